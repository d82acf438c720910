ENV a=b c﻿​😀
