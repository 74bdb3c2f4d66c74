import { median, range } from './stats';

/**
 * One figure measured on both servers, once per interleaved repeat. The service is reported as a
 * ratio to the bare baseline of the same repeat; the table shows the median and the spread.
 */
export interface Row {
  scenario: string;
  metric: string;
  unit: string;
  bare: number[];
  service: number[];
  target?: Target;
  /** Why a figure is missing, capped or not comparable. */
  note?: string;
}

/** Per-repeat values of one figure on both servers. */
export interface Pair {
  bare: number[];
  service: number[];
}

/** An empty pair for each named figure. */
export function perServer<K extends string>(...names: K[]): Record<K, Pair> {
  return Object.fromEntries(names.map((name) => [name, { bare: [], service: [] }])) as unknown as Record<
    K,
    Pair
  >;
}

export type Target =
  /** service / bare, median, at least `value` */
  | { kind: 'ratio-at-least'; value: number }
  /** service / bare, median, at most `value` */
  | { kind: 'ratio-at-most'; value: number }
  /** the service's own median, below `value` (in the row's unit) */
  | { kind: 'below'; value: number }
  /** the service's own median, at most `value` */
  | { kind: 'at-most'; value: number }
  /** every repeat of the service equals `value` */
  | { kind: 'equals'; value: number };

export interface Verdict {
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  pass: boolean | null;
}

export function ratios(row: Row): number[] {
  return row.service.map((value, i) => value / row.bare[i]).filter(Number.isFinite);
}

export function verdict(row: Row): Verdict {
  const each = ratios(row);
  const ratio = median(each);
  const { min, max } = range(each);
  const service = median(row.service);
  const target = row.target;
  let pass: boolean | null = null;
  if (target) {
    switch (target.kind) {
      case 'ratio-at-least':
        pass = ratio >= target.value;
        break;
      case 'ratio-at-most':
        pass = ratio <= target.value;
        break;
      case 'below':
        pass = service < target.value;
        break;
      case 'at-most':
        pass = service <= target.value;
        break;
      case 'equals':
        pass = row.service.length > 0 && row.service.every((value) => value === target.value);
        break;
    }
  }
  return { ratio, ratioMin: min, ratioMax: max, pass };
}

function number(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function cell(values: number[]): string {
  if (values.length === 0) return '–';
  const { min, max } = range(values);
  const mid = median(values);
  return values.length > 1 && min !== max ? `${number(mid)} (${number(min)}–${number(max)})` : number(mid);
}

function targetText(target: Target | undefined, unit: string): string {
  if (!target) return '';
  switch (target.kind) {
    case 'ratio-at-least':
      return `≥ ${target.value}x`;
    case 'ratio-at-most':
      return `≤ ${target.value}x`;
    case 'below':
      return `< ${target.value} ${unit}`;
    case 'at-most':
      return `≤ ${target.value} ${unit}`;
    case 'equals':
      return `= ${target.value}`;
  }
}

export function markdownTable(rows: Row[]): string {
  const lines = [
    '| scenario | figure | unit | bare baseline | service | service / bare | target | met |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const notes: string[] = [];
  for (const row of rows) {
    const v = verdict(row);
    const ratio = Number.isFinite(v.ratio)
      ? v.ratioMin !== v.ratioMax
        ? `${number(v.ratio)}x (${number(v.ratioMin)}–${number(v.ratioMax)})`
        : `${number(v.ratio)}x`
      : '–';
    const met = v.pass === null ? '' : v.pass ? 'yes' : '**no**';
    if (row.note && !notes.includes(row.note)) notes.push(row.note);
    const metric = row.note ? `${row.metric} (${notes.indexOf(row.note) + 1})` : row.metric;
    lines.push(
      `| ${row.scenario} | ${metric} | ${row.unit} | ${cell(row.bare)} | ${cell(row.service)} | ${ratio} | ${targetText(row.target, row.unit)} | ${met} |`,
    );
  }
  const footnotes = notes.map((note, i) => `${i + 1}. ${note}`);
  return [...lines, ...(footnotes.length ? ['', ...footnotes] : [])].join('\n');
}
