// The contract between a tool (src/tools/<tool>.ts) and the shared runner (src/core/runner.ts).
// A tool declares its usage and options and returns a pure per-record transform; the runner owns
// reading, line numbers, the error policy, output buffering, stats and exit codes.
import type { Options } from 'yargs';
import type { Edit } from './fields.js';
import type { BatchWalks } from './output.js';
import type { KeyList, KeyTable, SharedKeyLog } from './keyed.js';
import type { LineSplit } from './simd-scan.js';

/** One input line. The object is reused between calls: copy what you keep. */
export interface Line {
  /** the bytes; the record is buf[start, end) without the newline */
  buf: Buffer;
  start: number;
  end: number;
  /** input name as shown in diagnostics ("-" for stdin) and 1-based line number in that input */
  file: string;
  no: number;
  /** the line is known to be valid JSON (an earlier stage of an in-process chain read it by the
   *  grammar or wrote it): readers may skip the grammar check (FieldReader.read's `trusted`) */
  trusted?: boolean;
  /** (a line as read from the input) it ended in CR LF: buf[end] is the CR, which --rejects keeps */
  cr?: boolean;
}

export interface ToolContext {
  /** tool name, used as the diagnostics prefix */
  readonly name: string;
  /** write one output record (no trailing newline: the runner adds it) */
  emit(record: string | Buffer): void;
  /** write bytes holding `records` complete newline-terminated records (for tools that assemble
   *  their output in batches) */
  emitBatch(bytes: Buffer, start: number, end: number, records: number, walks?: BatchWalks): void;
  /** pass an input line through byte for byte */
  emitLine(line: Line): void;
  /** emit the line with its bytes [from, to) replaced by `text` (from === to inserts): the way a tool
   *  that adds or rewrites one field keeps the rest of the record byte for byte */
  emitSplice(line: Line, from: number, to: number, text: string): void;
  /** emit the line with several byte ranges replaced (edits sorted by position, not overlapping):
   *  see FieldReader.edits(), the one way a tool adds or replaces top-level fields */
  emitEdits(line: Line, edits: readonly Edit[]): void;
  /** emitEdits of one edit */
  emitEdit(line: Line, edit: Edit): void;
  /** report a bad record (reason = a short category such as "missing field", detail = the specifics;
   *  counted per reason), reported `tool: file:line: reason`, raw line kept
   *  in --rejects; with --strict the run stops with exit 1. */
  reject(line: Line, reason: string, detail?: string): void;
  /** report a bad record when the line is no longer at hand (e.g. in end()); `side`: a line of a file
   *  the stage reads for itself (join's side file), not of its input, whatever its name (a side file that
   *  is also an input: its bad lines counted as the input's made "every record was rejected" of a run
   *  that kept records) */
  rejectAt(file: string, no: number, raw: string | Uint8Array, reason: string, detail?: string, side?: boolean): void;
  /** the line as a record: checked by the grammar like every line (core/fields.ts), decoded with
   *  numbers exact (core/json.ts BigNum); a line that is not one valid JSON object is rejected and
   *  undefined returned. */
  parse(line: Line): Record<string, any> | undefined;
  /** a diagnostic on stderr (`tool: message`), not counted */
  warn(message: string): void;
  /** add to a named counter printed with --stats */
  count(counter: string, n?: number): void;
  /** for tools that read their own input (noInput): count records (and bytes) read, for --stats */
  countIn(n?: number, bytes?: number): void;
  /** true once an input could not be read (missing file, bad gzip): the run will exit 1, so an
   *  all-or-nothing sink (load-sqlite --atomic) should keep nothing */
  inputFailed(): boolean;
  /** the records this stage rejected so far (the lines that were not one JSON object, too long or not
   *  UTF-8 too, which never reach record()) */
  rejected(): number;
  /** for tools that read their own input: report an input that could not be read (`tool: FILE:
   *  message`); the run goes on with the other inputs and exits 1 */
  failInput(file: string, message: string): void;
  /** will the run exit 1 as things stand (an input failed, or every record read was rejected, or more
   *  than --max-reject-rate)? A sink that writes a file in end() keeps nothing then */
  willFail(): boolean;
  /** will a stage before this one (in a chain) make the run exit 1 as things stand (an input failed,
   *  every record it read was rejected, or more than its --max-reject-rate)? load-sqlite --atomic
   *  commits nothing then */
  upstreamFails(): boolean;
  /** will this stage's own rejections make the run exit 1 as things stand (every record it read
   *  rejected, or more than its --max-reject-rate)? A loader does not commit its last transaction then */
  rejectsFail(): boolean;
  /** for tools that read their own input: a promise while the output waits for its reader (await it
   *  between chunks), null otherwise */
  waitDrain(): Promise<void> | null;
  /** the reader of our output went away (`| head`): stop reading */
  stopped(): boolean;
  /** a table for the stage's keys, of the kind its tool's keysBy() gave: a view onto a table shared
   *  with the other stages of the run that key their records so (a record's key looked up by one is
   *  in cache for the next), else a ByteKeys of its own */
  keyTable(id: string | undefined): KeyTable;
}

export interface Transform {
  /** Lines that do not contain these bytes cannot produce output: the runner counts them as read
   *  and skips them without calling record() (like grep). */
  needle?: Buffer;
  /** called once before the first line (e.g. to load a side file) */
  init?(): Promise<void>;
  record(line: Line): void;
  /** (optional) lines k0..n-1 of a chunk split by `split` (from `from`; line k0 begins at chunk index
   *  `start`), read many a call as record() would read them, from k0 on while it can (final-action:
   *  the compiled reading of its events, EventScan): the number of the first line not read, which then
   *  goes to record(). Only for lines as read from the input (no needle, valid UTF-8). */
  batch?(split: LineSplit, from: number, start: number, k0: number, n: number): number;
  /** called once after the last line (aggregating tools emit here) */
  end?(): void | Promise<void>;
  /** a sink that reports its own refusals when a batch of its records is written (the loaders) takes
   *  the stage's other rejects of the lines it reads (not JSON, not an object, too long) as they come,
   *  to report them with its own in line order (--strict stops at the first bad line, not at a later
   *  one of its batch); false: report it now */
  holdReject?(file: string, no: number, raw: string | Uint8Array, reason: string, detail: string | undefined): boolean;
  /** (a library stream) the run stopped before its end (a --strict stop, a failure, the stream
   *  destroyed): instead of end(), give back what is held (a load rolls its open transaction back) */
  abort?(): void | Promise<void>;
  /** a failure found between records (a load's commit): true once the run cannot go on; the runner
   *  stops reading (also while a live input is quiet: input.ts wakeReaders) and ends the stages, whose
   *  end() throws it */
  failed?(): boolean;
  /** (a 'keyed' tool, in a worker of a threaded run) instead of end(): about `max` of its keys, from
   *  which the key ranges are chosen */
  sample?(max: number): KeyList;
  /** (then) the key range of each of its logged events among those `splits` cut (keyed.ts rangesOf):
   *  its log in shared memory with the range of each event (rangedLog), which the threads merging them read */
  cut?(splits: KeyList): SharedKeyLog;
  /** (count-by --partial, the last stage in a thread of a threaded run) instead of end(): its groups
   *  and their states as values, which the main thread's count-by --merge folds with mergeStates (no
   *  records written and read back); null when an aggregate has no such form (AggColumn.states) */
  states?(): PartialStates | null;
  /** (count-by --merge) fold the groups and states given by a copy's states() */
  mergeStates?(s: PartialStates): void;
  /** (count-by --partial, the main thread's own copy in a threaded run) instead of end(): its groups and
   *  states as they are (live, not copied), for the count-by --merge of the same thread to take over
   *  with takeOver before it folds the other copies' states; null when states() would be */
  handOver?(): unknown;
  /** (count-by --merge) take over what handOver gave, as its own groups and states: false (nothing
   *  changed) when it holds groups already or the copy's keys and aggregates differ */
  takeOver?(live: unknown): boolean;
}

/** groups and their aggregates' states as values a structured clone copies as they are (typed
 *  arrays): group i's key is keys[sum of lens before i, + lens[i]) in the group table's byte form, and
 *  cols[c] is column c's states of every group (AggColumn.states) */
export interface PartialStates { keys: Uint8Array; lens: Int32Array; cols: unknown[] }

/** Thrown from check()/create() (or anywhere) for a bad invocation: exit 2 with a one-line hint. */
export class UsageError extends Error {}

export interface Tool<O = any> {
  name: string;
  /** one line for --help and the README */
  summary: string;
  /** e.g. "filter-engaged [options] [FILE...]" */
  usage: string;
  /** real examples: [command, what it does] */
  examples: [string, string][];
  options: Record<string, Options>;
  /** What the positional arguments are: input files (the default; '-' is stdin) or, when `positional`
   *  is set, values for that option (e.g. count-by's KEYs): then input files come with -i/--input. */
  positional?: { name: string; describe: string; demand?: boolean };
  /** a tool that reads no NDJSON input (e.g. a server or a generator) */
  noInput?: boolean;
  /** a tool that writes its records somewhere else than stdout (a file, a table): it can end a fork's
   *  branch */
  sink?: boolean;
  /** a tool that reads no records at all (a server, a query): no input or bad-record options */
  readsNothing?: boolean;
  /** a tool that writes no record before its input has ended (it groups, sorts or ranks): standard
   *  output appended to a file the run reads is then no loop (count-by KEY -i f >> f) */
  holdsOutput?: boolean | ((opts: O) => boolean);
  /** (a sink) the file it appends its records to as they come (save --append), if any: one the run
   *  reads too is a loop, as standard output appended to it */
  appendsTo?: (opts: O) => string | undefined;
  /** (a sink) the file it writes whole and puts in place of the old one (to-parquet): one the run reads
   *  is a usage error (its input would be replaced by another format). (save FILE -i FILE may: sponge's
   *  rewrite in place, the same format) */
  replaces?: (opts: O) => string | undefined;
  /** the run is one part of a larger one (from-csv --shard K/N): that this part kept nothing is said,
   *  not a failure (the caller judges the parts together); --max-reject-rate still applies */
  partOfRun?: (opts: O) => boolean;
  /** why a run that rejected nothing still kept nothing, from its closing figures (final-action: every
   *  event was of another action, a typo in --on or --off perhaps), or undefined: said on stderr; the
   *  run's status stays (such a run can be right: the Loco recipe on a day without a like) */
  keptNothing?: (opts: O, counters: ReadonlyMap<string, number>) => string | undefined;
  /** the kind of key the stage looks each record up by in a table of its own (`token:PATH`: the
   *  canonical token of one field, FieldReader.tokenInto), when other stages of an in-process run could
   *  share that table (ToolContext.keyTable); undefined when it has none */
  keysBy?: (opts: O) => string | undefined;
  /** a doubt about a run's records from its closing figures (subscription-status: no record had the
   *  user's registration field, so every status is null: a typo in --prefix perhaps), or undefined: said
   *  on stderr; the run's status stays. `out`: the records written. */
  doubt?: (opts: O, counters: ReadonlyMap<string, number>, out: number) => string | undefined;
  /**
   * How `event-pipes --threads N` may spread the tool over threads: 'local' when each output record
   * depends on its input record alone (and the options), so pieces of the input can go through
   * copies of the tool in any thread; 'partial' when copies can aggregate pieces with --partial and
   * one copy combine their states with --merge (count-by); 'keyed' when the output is per key in key
   * order and copies keep a state per key over pieces: their states are cut into key ranges
   * (Transform.sample, cut) and each range is merged into output records in a thread
   * (mergeRange), the ranges written in order (final-action). Absent: the tool sees every record, in
   * order, in one place.
   */
  parallel?: 'local' | 'partial' | 'keyed' | ((opts: any) => 'local' | 'partial' | 'keyed' | undefined);
  /** ('keyed') the output records of key range `part` from every copy's events of it (in the copies'
   *  logs, from cut()), in batches (NDJSON bytes b[0, end) holding `records` records; b is the
   *  receiver's; emit may give back a buffer to write the next batch into, one the receiver is done with) */
  mergeRange?(opts: O, logs: SharedKeyLog[], part: number, emit: (b: Buffer, end: number, records: number) => Buffer | undefined): void;
  /** checks of the parsed options; return a message to fail with a usage error (exit 2) */
  check?(opts: O): string | undefined;
  create(opts: O, ctx: ToolContext): Transform;
}
