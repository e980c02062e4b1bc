/** Pause or Resume of one named thing, its accessible name saying which ("Pause nightly"). */
export const PauseButton = (props: { readonly name: string; readonly paused: boolean; readonly busy: boolean; readonly onToggle: (pause: boolean) => void }) => (
  <button type="button" aria-label={`${props.paused ? "Resume" : "Pause"} ${props.name}`} disabled={props.busy} onClick={() => props.onToggle(!props.paused)}>
    {props.paused ? "Resume" : "Pause"}
  </button>
)
