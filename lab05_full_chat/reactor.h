/// @file reactor.h
/// @brief lab05 (interface given, you write reactor.cpp): the reactor, an epoll loop that hands
/// each readiness event to the handler registered for its descriptor.
///
/// lab03's run() was one big loop that knew every kind of descriptor. The reactor splits that
/// loop in two (README §2): the loop itself, which knows nothing about chat, and handlers, one per
/// descriptor, which know nothing about epoll. Redis's `ae` and muduo's EventLoop/Channel have this
/// shape. One turn of the loop:
///
///     run_once():  epoll_wait (timeout 0 if some handler asked to be called again)
///                  ├─► for each event: look its key up; gone? skip it (stale); else handler(events)
///                  ├─► for each key in call_again(): handler(EPOLLIN) once more (the read budget)
///                  └─► the end-of-turn hook (the server writes every output buffer once)
///
/// **Keys, not fds.** Every registration gets a fresh key (1, 2, 3, ...; never reused) and the
/// key, not the descriptor, goes into epoll_event.data.u64. A handler may close its descriptor and
/// the next accept may get the same number back in the same turn; an event still queued for the
/// old key then finds nothing and is dropped, instead of reaching the newcomer (lab03, §2.2).
#pragma once

#include <sys/epoll.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/fd.h"
#include "lab03_epoll_server/chat_server.h"  // chat::Mode

namespace room {

/// @brief A registration's name: what epoll hands back in data.u64. 0 is never a key.
using Key = std::uint64_t;

/// @brief What a handler is called with: the epoll event bits (EPOLLIN, EPOLLOUT, EPOLLHUP, ...).
using Handler = std::function<void(std::uint32_t events)>;

/// @brief One thread's event loop: one epoll instance, a handler per registered descriptor.
///
/// Not thread-safe: every method is called from the thread that runs the loop, handlers included.
/// The reactor does not own the descriptors it watches; their owners remove() them before closing.
class Reactor {
public:
    /// @brief Create the epoll instance (close-on-exec). In chat::Mode::Et every registration
    /// also gets EPOLLET. @throws kit::SysError if \man{epoll_create1,2} fails.
    explicit Reactor(chat::Mode mode);

    /// @brief Watch @p fd for @p events (EPOLLIN, EPOLLOUT, ...; EPOLLET is added by the mode)
    /// and call @p handler with what epoll reports.
    /// @return the new registration's key: never 0, never one returned before.
    /// @throws kit::SysError naming \man{epoll_ctl,2} and the fd if it fails.
    Key add(int fd, std::uint32_t events, Handler handler);

    /// @brief Change what registration @p key waits for. An unchanged mask costs no system call.
    /// @throws kit::SysError if epoll_ctl fails; std::out_of_range if @p key is not registered.
    void modify(Key key, std::uint32_t events);

    /// @brief Stop watching @p key's descriptor (EPOLL_CTL_DEL) and forget its handler. Events of
    /// this turn not yet dispatched for @p key are dropped. Safe inside any handler, including
    /// @p key's own: the handler object lives until the end of the turn. Unknown keys are ignored.
    void remove(Key key);

    /// @brief Call @p key's handler again with EPOLLIN in the next turn, even if epoll reports
    /// nothing new: its handler stopped reading before EAGAIN because it used up its read budget
    /// (README §2.4). Under EPOLLET epoll would not report the bytes still waiting.
    void call_again(Key key);

    /// @brief Run @p hook at the end of every turn, after every handler of the turn: where the
    /// server writes each client's output buffer once (README §3.3). Replaces an earlier hook.
    void set_end_of_turn(std::function<void()> hook);

    /// @brief One turn: one \man{epoll_wait,2} (up to @p timeout_ms ms, -1: no limit; 0 when a
    /// call_again is pending), dispatch every event to its handler unless its key was removed,
    /// dispatch the call_again list, run the end-of-turn hook. EINTR is an empty turn, not an
    /// error.
    /// @return how many handler calls the turn made.
    /// @throws kit::SysError if epoll_wait fails with anything but EINTR.
    std::size_t run_once(int timeout_ms);

    /// @brief run_once(-1) until stop() is called (by a handler).
    void run();

    /// @brief Make run() return after the current turn.
    void stop() { stopping_ = true; }

    /// @brief The epoll instance (for tests: it must be close-on-exec).
    [[nodiscard]] int epoll_fd() const { return epoll_.get(); }
    /// @brief How many registrations there are.
    [[nodiscard]] std::size_t size() const { return entries_.size(); }
    /// @brief True if @p key is registered.
    [[nodiscard]] bool contains(Key key) const { return entries_.count(key) != 0; }

    /// @brief The most events one epoll_wait returns.
    static constexpr int kMaxEventsPerTurn = 256;

private:
    struct Entry {
        int fd = -1;
        std::uint32_t events = 0;  // as asked, without EPOLLET
        // On the heap, so that its address outlives the map's node: remove() moves the pointer to
        // retired_ while the handler may be running (a std::function keeps a small callable
        // inside itself, which a move would copy away from under the running call).
        std::unique_ptr<Handler> handler;
    };

    /// The mask handed to epoll: @p events, plus EPOLLET in Mode::Et.
    [[nodiscard]] std::uint32_t mask(std::uint32_t events) const;
    /// Call @p key's handler with @p events if @p key is still registered. (Given.)
    bool dispatch(Key key, std::uint32_t events);

    chat::Mode mode_;
    kit::Fd epoll_;
    Key next_key_ = 1;
    bool stopping_ = false;
    std::unordered_map<Key, Entry> entries_;
    std::vector<Key> again_;                         // call_again() keys for the next turn
    std::vector<std::unique_ptr<Handler>> retired_;  // removed this turn: destroyed at its end
    std::function<void()> end_of_turn_;
};

}  // namespace room
