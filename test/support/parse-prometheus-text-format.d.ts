/** The parser ships no types: it reads Prometheus' text format into metric families. */
declare module "parse-prometheus-text-format" {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
