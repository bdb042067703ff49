/**
 * rabbitmqctl's output formats: `table` (the default: a header line, then tab-separated
 * rows; lists as `[a, b]`) and `json` (an array of objects, one per line as rabbitmqctl
 * prints them), plus `pretty_table` with box borders.
 */
export type Formatter = "table" | "json" | "pretty_table";

export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return `[${value.map(formatCell).join(", ")}]`;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function formatRows(rows: Record<string, unknown>[], columns: readonly string[], formatter: Formatter, headers: boolean): string {
  const selected = rows.map((row) => Object.fromEntries(columns.map((column) => [column, row[column]])));
  if (formatter === "json") return selected.length === 0 ? "[]" : `[\n${selected.map((row) => JSON.stringify(row)).join("\n,")}\n]`;
  const cells = selected.map((row) => columns.map((column) => formatCell(row[column])));
  if (formatter === "pretty_table") {
    const all = [columns.map(String), ...cells];
    const widths = columns.map((_, index) => Math.max(...all.map((line) => line[index].length)));
    const border = `+${widths.map((width) => "-".repeat(width + 2)).join("+")}+`;
    const line = (values: string[]) => `| ${values.map((value, index) => value.padEnd(widths[index])).join(" | ")} |`;
    return [border, line(all[0]), border, ...cells.map(line), border].join("\n");
  }
  const lines = cells.map((line) => line.join("\t"));
  return (headers ? [columns.join("\t"), ...lines] : lines).join("\n");
}
