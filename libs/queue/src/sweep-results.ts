import {
  finishSweep,
  Manifest,
  ResultsRoot,
  StorageTarget,
  SweepRecord,
  SweepSpec,
  SweepStorage,
} from '@tokensweep/analysis';
import { ResultsUnavailableError } from './sweep-errors';

/**
 * Where the lifecycle reaches a sweep's results: every access of the lifecycle to them goes through
 * these operations, so the store behind them (a directory, an S3 prefix) is this one port's business.
 */
export interface SweepResultsStore {
  /** A sweep's results for messages: its directory, or `s3://bucket/prefix/<id>`. */
  location(id: string): string;
  /** Where chunks write a sweep's parts, as data a chunk thread can open. */
  target(id: string): StorageTarget;
  /** The storage of one sweep, for the steps that read or write it directly (figures). */
  storage(id: string): SweepStorage;
  /** Writes a new sweep's spec.json; throws `ResultsUnavailableError` when the store cannot be written. */
  create(id: string, spec: SweepSpec): Promise<void>;
  /** Writes summary and manifest from the parts present (`removeTempFiles` when no chunk may still write). */
  finish(id: string, record: SweepRecord, options: { removeTempFiles: boolean }): Promise<Manifest>;
  /** Deletes everything of a sweep. */
  remove(id: string): Promise<void>;
}

/** The sweeps of the API and the workers under one results root: `<root>/<sweep id>/`. */
export class SweepResults implements SweepResultsStore {
  private readonly root: ResultsRoot;

  /** `root` as a results root, or a directory shared by the API and the workers. */
  constructor(root: ResultsRoot | string) {
    this.root = typeof root === 'string' ? new ResultsRoot({ kind: 'file', dir: root }) : root;
  }

  location(id: string): string {
    return this.storage(id).location;
  }

  target(id: string): StorageTarget {
    return this.root.sweepTarget(id);
  }

  storage(id: string): SweepStorage {
    return this.root.sweep(id);
  }

  async create(id: string, spec: SweepSpec): Promise<void> {
    try {
      // the first write of a sweep: a store that cannot be written refuses it before anything exists
      await this.storage(id).write('spec.json', JSON.stringify(spec, null, 2) + '\n');
    } catch (error) {
      throw new ResultsUnavailableError(
        `the results store ${this.root.location} cannot be written, so the sweep was not accepted: ${(error as Error).message}`,
      );
    }
  }

  finish(id: string, record: SweepRecord, options: { removeTempFiles: boolean }): Promise<Manifest> {
    return finishSweep(this.storage(id), record, options);
  }

  async remove(id: string): Promise<void> {
    await this.storage(id).removeAll();
  }
}
