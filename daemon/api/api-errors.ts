// HTTP-level refusals that only the API raises. They are RecoverydErrors like the rest, so the
// one error writer turns them into `{error: {code, message}}` with a stable code.
import { RecoverydError } from "../errors.js";

export class BadRequestError extends RecoverydError {
  constructor(message: string) {
    super("bad_request", 400, message);
  }
}

export class InvalidPathError extends RecoverydError {
  constructor(message = "malformed request path") {
    super("invalid_path", 400, message);
  }
}

export class InvalidJsonError extends RecoverydError {
  constructor(message = "request body is not valid JSON") {
    super("invalid_json", 400, message);
  }
}

export class InvalidQueryError extends RecoverydError {
  constructor(message: string) {
    super("invalid_query", 400, message);
  }
}

export class RouteNotFoundError extends RecoverydError {
  constructor() {
    super("not_found", 404, "no such API path");
  }
}

export class MethodNotAllowedError extends RecoverydError {
  readonly allow: readonly string[];
  constructor(method: string, allow: readonly string[]) {
    super("method_not_allowed", 405, `method ${method.slice(0, 16)} is not allowed here`, {
      allow: [...allow],
    });
    this.allow = allow;
  }
}

export class RequestTimeoutError extends RecoverydError {
  constructor() {
    super("request_timeout", 408, "the request was not received in time");
  }
}

export class UriTooLongError extends RecoverydError {
  constructor(limit: number) {
    super("uri_too_long", 414, `request target exceeds ${limit} bytes`, { limit });
  }
}

export class UnsupportedMediaTypeError extends RecoverydError {
  constructor() {
    super("unsupported_media_type", 415, "request body must be application/json");
  }
}

export class ServiceUnavailableError extends RecoverydError {
  constructor(code: string, message: string) {
    super(code, 503, message);
  }
}

/** The client went away before the request was complete: there is nobody to answer. */
export class ClientGoneError extends Error {
  constructor() {
    super("client closed the connection");
    this.name = "ClientGoneError";
  }
}
