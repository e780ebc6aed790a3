// Start-up marks in the page's performance timeline (performance.mark), read by
// bench/startup.sh to show where the time to a usable form goes. They cost nothing and do
// nothing else.

export function mark(name: string): void {
  try {
    performance.mark(`startup:${name}`);
  } catch {
    // No performance timeline (tests): nothing to mark.
  }
}
