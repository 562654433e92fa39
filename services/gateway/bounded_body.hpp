// Request bodies read with a limit, whatever their framing, for every HTTP surface (96345, 110,
// citymgmt). cpp-httplib 0.11 applies set_payload_max_length to Content-Length only: a chunked
// body, or one sent without a length until the client closes, is read whole into memory before
// any handler runs (a 200 MiB chunked POST grew a gateway by ~250 MB). Handlers made here read
// the body through httplib's ContentReader and stop at the limit. A request refused before its
// body was read to the end closes its connection, so the unread rest is never parsed as the next
// request (httplib's request-line reader has no bound of its own).
#pragma once

#include <httplib.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace liandong::gateway {

// An error answer for the request at `path`: HTTP status, a code ("TOO_LARGE") and the message.
// Each surface has its own error shape (the gateways' JSON {"error": ...}, Open311's [{...}] or,
// for a path ending in .xml, its <errors>).
struct ErrorBody {
  std::string text;
  std::string content_type = "application/json; charset=utf-8";
};
using ErrorText =
    std::function<ErrorBody(std::string_view path, int status, std::string_view code, const std::string& message)>;

struct BodyLimit {
  std::size_t max_bytes = 64 * 1024;
  ErrorText error_text;
};

// A route's handler, given the body as read (at most max_bytes).
using BodyHandler = std::function<void(const httplib::Request&, const std::string& body, httplib::Response&)>;
// A handler that answers without looking at the body (405, 404).
using PlainHandler = std::function<void(const httplib::Request&, httplib::Response&)>;

// For Server::Post/Put/Patch/Delete: reads the body (Content-Length, chunked, or none: a request
// with neither header has no body) up to limit.max_bytes, then calls `handler`. Over the limit:
// 413 naming the limit, sent as soon as the limit is passed; a body that cannot be read (broken
// chunk framing, the client gone, a multipart or compressed body): 400 or 415. Those close the
// connection.
httplib::Server::HandlerWithContentReader read_bounded(BodyLimit limit, BodyHandler handler);

// For Server::Post/Put/Patch/Delete: answers with `answer` without reading the body and closes
// the connection after the answer (when the request had a body).
httplib::Server::HandlerWithContentReader answer_unread(PlainHandler answer);

// Runs before any route: a Content-Length above the limit is refused with 413 at once, without
// reading the body; a body on a method that takes none (GET, HEAD, OPTIONS: httplib would leave
// it unread) is refused with 400. Both close the connection. Also sets set_payload_max_length.
void install_body_guard(httplib::Server& server, BodyLimit limit);

// Sends `res`'s body (already set, with its status and Content-Type) and then closes the
// connection: httplib ends a connection whose content provider fails, which this one does after
// writing the whole answer.
void close_after_reply(httplib::Response& res);

// True when a handler has set the answer's content (an error handler must keep it).
bool has_reply(const httplib::Response& res);

}  // namespace liandong::gateway
