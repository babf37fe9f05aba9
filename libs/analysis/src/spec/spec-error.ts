/** A sweep spec (or chunk task) that cannot be run as given; `problems` has one line per problem, each naming its field. */
export class SpecError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'SpecError';
  }
}
