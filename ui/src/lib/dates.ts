// Dates in the user's locale. `toLocaleDateString(undefined, options)` builds a new
// Intl.DateTimeFormat on every call, which in WebKit costs about as much as drawing a tile: a
// gallery page or a month of chart bars made hundreds of them. One formatter per set of options
// is made once and kept.

const formats = new Map<string, Intl.DateTimeFormat>();

/** The formatter for these options in the user's locale, made once. */
export function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = JSON.stringify(options);
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, options);
    formats.set(key, f);
  }
  return f;
}

/** `date` as `options` say, in the user's locale. */
export function formatDate(date: Date, options: Intl.DateTimeFormatOptions): string {
  return dateFormat(options).format(date);
}
