// An error a user can cause at run time (a spec whose data does not fit its loss, a missing
// checkpoint, a diverging run): the CLI prints its message as one line, never a stack trace.
export class RunError extends Error {}
