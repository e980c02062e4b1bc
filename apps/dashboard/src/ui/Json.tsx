/** A JSON value, formatted and scrollable, with a label for screen readers. */
export const Json = ({ value, label }: { readonly value: unknown; readonly label: string }) => (
  <pre className="json" aria-label={label} tabIndex={0}>
    {value === undefined ? "—" : JSON.stringify(value, null, 2)}
  </pre>
)
