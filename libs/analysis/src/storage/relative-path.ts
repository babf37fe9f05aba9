/**
 * Checks that `relative` names something inside a sweep: `/`-separated, no empty, `.` or `..`
 * segment, not absolute, no backslash or NUL. Both adapters refuse anything else, so no path that
 * reaches a store can lead out of the sweep's directory or prefix.
 */
export function checkRelativePath(relative: string): string {
  const segments = relative.split('/');
  if (
    relative.length === 0 ||
    /[\\\0]/.test(relative) ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..')
  )
    throw new Error(`${JSON.stringify(relative.slice(0, 200))} is not a path inside a sweep`);
  return relative;
}
