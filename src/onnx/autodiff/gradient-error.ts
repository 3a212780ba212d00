/**
 * The model's gradient cannot be built: an op with no vector–Jacobian rule, or a variant of one the
 * rule does not cover. A distinct type so that callers can degrade instead of stopping — the audit
 * marks its gradient-based checks NOT RUN and still runs the others.
 */
export class GradientUnavailableError extends Error {
  override readonly name = 'GradientUnavailableError';
}
