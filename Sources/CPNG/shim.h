// libpng's public interface.
#include <png.h>
