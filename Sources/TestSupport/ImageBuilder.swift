import CLibArchive
import ImageKit
