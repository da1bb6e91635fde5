// where: keep the records whose fields equal given values (FIELD=VALUE, all must hold; FIELD!=VALUE
// excludes). Values compare as text, so 7 and "7" both match 7. The kept lines pass byte for byte;
// the others are counted, not reported (they are not bad, just not wanted).
import { FieldReader } from '../core/fields.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';

export interface WhereOptions { cond: string[] }

export const tool: Tool<WhereOptions> = {
  name: 'where',
  summary: 'Keep records whose fields equal (FIELD=VALUE) or differ from (FIELD!=VALUE) given values; lines pass byte for byte.',
  usage: 'where FIELD=VALUE|FIELD!=VALUE... [-i FILE]',
  positional: { name: 'cond', describe: 'conditions, all of which must hold (VALUE may list alternatives: name=a|b)', demand: true },
  examples: [
    ['where name=activity_exit -i events.json', 'only activity_exit events'],
    ["where 'context.os.name=iOS|Android' 'data.source!=test'", 'alternatives and exclusions'],
  ],
  options: {},
  create(o, ctx) {
    const conds = o.cond.map((c) => {
      const m = /^([^!=]+)(!?=)(.*)$/.exec(c);
      if (!m) throw new UsageError(`cannot read condition '${c}': write FIELD=VALUE or FIELD!=VALUE`);
      return { path: m[1], neg: m[2] === '!=', values: new Set(m[3].split('|')) };
    });
    const reader = new FieldReader(conds.map((c) => c.path));
    const single = conds.length === 1 && !conds[0].neg && conds[0].values.size === 1 ? [...conds[0].values][0] : null;
    return {
      needle: single !== null && single !== '' ? Buffer.from(single) : undefined,
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end)) return ctx.reject(line, 'malformed JSON', reader.error);
        for (let k = 0; k < conds.length; k++) {
          const v = reader.value(k);
          const text = v === undefined ? undefined : v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v);
          const hit = text !== undefined && conds[k].values.has(text);
          if (hit === conds[k].neg) { ctx.count('not kept'); return; }
        }
        ctx.emitLine(line);
      },
    };
  },
};
export default tool;
