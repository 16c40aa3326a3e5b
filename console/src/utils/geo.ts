/** Grid shapes (GeoJSON polygons in lon/lat) projected to SVG: an equirectangular view scaled by the cosine of
 * the middle latitude, which is exact enough at the size of a district. No tiles, no map library. */
export type Ring = number[][]
export type Position = [number, number]

export interface Projection {
  width: number
  height: number
  toXY: (lon: number, lat: number) => Position
  toLonLat: (x: number, y: number) => Position
}

/** The rings of a Polygon or MultiPolygon geometry (outer and holes alike). */
export function ringsOf(geometry: { type: string; coordinates: unknown }): Ring[] {
  if (geometry.type === 'Polygon') return geometry.coordinates as Ring[]
  if (geometry.type === 'MultiPolygon') return (geometry.coordinates as Ring[][]).flat()
  return []
}

export function projection(rings: Ring[], width = 1000, pad = 10): Projection {
  const pts = rings.flat()
  if (!pts.length) {
    return { width, height: width / 2, toXY: () => [0, 0], toLonLat: () => [0, 0] }
  }
  const lons = pts.map((p) => p[0])
  const lats = pts.map((p) => p[1])
  const [minLon, maxLon, minLat, maxLat] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)]
  const k = Math.cos(((minLat + maxLat) / 2) * (Math.PI / 180))
  const spanX = Math.max((maxLon - minLon) * k, 1e-9)
  const spanY = Math.max(maxLat - minLat, 1e-9)
  const scale = (width - 2 * pad) / spanX
  const height = spanY * scale + 2 * pad
  return {
    width,
    height,
    toXY: (lon, lat) => [pad + (lon - minLon) * k * scale, pad + (maxLat - lat) * scale],
    toLonLat: (x, y) => [minLon + (x - pad) / (k * scale), maxLat - (y - pad) / scale],
  }
}

/** An SVG path for the rings (even-odd fill keeps holes open). */
export function pathOf(rings: Ring[], p: Projection): string {
  return rings.map((ring) => ring.map(([lon, lat], i) => {
    const [x, y] = p.toXY(lon, lat)
    return `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`
  }).join('') + 'Z').join('')
}

/** Where to write a grid's name: the mean of its outer ring's corners. */
export function labelPoint(rings: Ring[], p: Projection): Position {
  const outer = rings[0] ?? []
  if (!outer.length) return [0, 0]
  const xy = outer.map(([lon, lat]) => p.toXY(lon, lat))
  return [xy.reduce((s, q) => s + q[0], 0) / xy.length, xy.reduce((s, q) => s + q[1], 0) / xy.length]
}

/** Whether a point lies inside a ring (ray casting). */
export function inRing(lon: number, lat: number, ring: Ring): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]
    const [xj, yj] = ring[j]
    if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}
