// ncursesw with wide-character functions; its globals are read through inline functions
// because Swift 6's strict concurrency rejects mutable C globals.
#define _XOPEN_SOURCE_EXTENDED 1
#include <ncursesw/ncurses.h>
#include <wchar.h>
static inline int loupe_columns(void) { return COLS; }
static inline int loupe_lines(void) { return LINES; }
static inline int loupe_colors(void) { return COLORS; }
static inline WINDOW *loupe_standard_screen(void) { return stdscr; }
static inline int loupe_color_pairs(void) { return COLOR_PAIRS; }
static inline int loupe_key_resize(void) { return KEY_RESIZE; }
static inline attr_t loupe_attribute_bold(void) { return A_BOLD; }
/// Marks a coloured blank as one ncurses must send as a space: without it ncurses erases
/// the rest of a line in the current background (bce), which tmux's capture and terminals
/// without back-colour-erase show as default colour. Terminals without a protected mode
/// (xterm, tmux, screen, the Linux console) draw nothing for it.
static inline attr_t loupe_attribute_sent_blank(void) { return A_PROTECT; }
/// Whether terminfo says the colour numbers are 24-bit RGB values (e.g. xterm-direct).
static inline int loupe_has_direct_colour(void) { return tigetflag("RGB") > 0; }
/// Puts one character cell with an extended colour pair: the pair travels as its own int
/// (setcchar's opts), never in attribute bits, so pairs above 255 stay themselves.
static inline int loupe_put_cell(int y, int x, const wchar_t *text, attr_t attributes, int pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attributes, 0, &pair) == ERR) return ERR;
    return mvadd_wch(y, x, &cell);
}
