// ncursesw with wide-character functions; its globals are read through inline functions
// because Swift 6's strict concurrency rejects mutable C globals.
#define _XOPEN_SOURCE_EXTENDED 1
#include <ncursesw/ncurses.h>
static inline int loupe_columns(void) { return COLS; }
static inline int loupe_lines(void) { return LINES; }
static inline int loupe_colors(void) { return COLORS; }
static inline WINDOW *loupe_standard_screen(void) { return stdscr; }
static inline int loupe_color_pairs(void) { return COLOR_PAIRS; }
static inline chtype loupe_color_pair(int n) { return COLOR_PAIR(n); }
static inline int loupe_key_resize(void) { return KEY_RESIZE; }
