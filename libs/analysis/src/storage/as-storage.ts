import { FileSweepStorage } from './file-sweep-storage';
import { SweepStorage } from './sweep-storage';

/** A sweep's storage, given as one, or as the path of a sweep directory. */
export type SweepLocation = SweepStorage | string;

export function asStorage(location: SweepLocation): SweepStorage {
  return typeof location === 'string' ? new FileSweepStorage(location) : location;
}
