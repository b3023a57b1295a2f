/**
 * An error the runner explains to its user: what went wrong and how to fix
 * it. `start.ts` prints these without a stack trace.
 */
export class RunnerError extends Error {
  constructor(
    message: string,
    /** what the user can do about it */
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'RunnerError';
  }
}

/** The template has something the runner cannot run, named by its logical id. */
export class TemplateError extends RunnerError {
  constructor(
    readonly resource: string,
    why: string,
    fix = 'change the stack, or run it on AWS with `npx cdk deploy`',
  ) {
    super(`cannot run the template: resource ${resource}: ${why}`, fix);
    this.name = 'TemplateError';
  }
}
