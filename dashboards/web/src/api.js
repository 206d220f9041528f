// The collector's JSON API; failures become messages a person can act on.
export class ApiError extends Error {
  constructor(status, reason) {
    super(reason);
    this.status = status;
  }
}

const REASONS = {
  401: 'Your session has ended: sign in again.',
  503: 'The store is not answering right now; the dashboard will show data when it is back.',
};

export const explain = (error) =>
  REASONS[error.status] || `The API refused this view (${error.status || 'network'}: ${error.message}).`;

export const get = async (name, params) => {
  let response;
  try {
    response = await fetch(`/api/v1/${name}${params ? `?${params}` : ''}`, { credentials: 'same-origin' });
  } catch (error) {
    throw new ApiError(0, 'the collector cannot be reached');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body.error || response.statusText);
  return body;
};
