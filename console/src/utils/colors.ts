/** The console's colours as strings, for what takes no CSS variable: the map's fills (SVG `fill` attributes),
 * shared by the map and its legend. Everything else is coloured by the theme's variables (styles.css). */
export const GRID_COLORS = { none: '#d9ecd0', open: '#f7d88f', overdue: '#f2a0a0', highlight: '#5b9bd5', other: '#e4e7ed' }
