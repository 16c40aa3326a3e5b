/** The map's fills, shared by the map and its legend. */
export const GRID_COLORS = { none: '#d9ecd0', open: '#f7d88f', overdue: '#f2a0a0', highlight: '#5b9bd5', other: '#e4e7ed' }
