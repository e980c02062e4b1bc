import { useMutation, useQueryClient } from "@tanstack/react-query"

/** A Pause / Resume mutation over two calls taking a name; refreshes the list under `listKey` afterwards. */
export const usePauseToggle = (listKey: string, pause: (name: string) => Promise<unknown>, resume: (name: string) => Promise<unknown>) => {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (c: { name: string; pause: boolean }) => (c.pause ? pause(c.name) : resume(c.name)),
    onSettled: () => client.invalidateQueries({ queryKey: [listKey] })
  })
}
