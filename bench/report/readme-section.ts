/**
 * Puts the results into the README's Performance section, between
 * `<!-- bench:start -->` and `<!-- bench:end -->`, with paths made relative to the repository root.
 */
export const README_START = '<!-- bench:start -->';
export const README_END = '<!-- bench:end -->';

export function replaceReadmeSection(readme: string, resultsMarkdown: string): string | undefined {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start === -1 || end === -1 || end < start) return undefined;
  const body = resultsMarkdown.replace(/\]\(bench\.svg\)/g, '](docs/bench.svg)').trim();
  return `${readme.slice(0, start + README_START.length)}\n${body}\n${readme.slice(end)}`;
}
