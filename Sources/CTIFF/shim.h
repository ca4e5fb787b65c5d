// libtiff's public interface.
#include <tiffio.h>
