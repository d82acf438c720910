FROM busybox:1.36
LABEL maintainer="a@b.c"
LABEL version="1.0" description="multi word value" \
      "quoted key"="x"
LABEL old-style value with spaces
