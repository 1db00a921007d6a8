/** Options that repeat (`--scope a --scope b`) collect into a list. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A repeated option replaces a stored list; given once as 'none', it empties it. */
export const replacingList = (values: string[]): string[] => (values.length === 1 && values[0] === 'none' ? [] : values);
