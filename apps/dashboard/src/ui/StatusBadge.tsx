/** A status word in its status colour (the word itself carries the meaning, not the colour). */
export const StatusBadge = ({ status }: { readonly status: string }) => <span className={`badge status-${status}`}>{status}</span>
