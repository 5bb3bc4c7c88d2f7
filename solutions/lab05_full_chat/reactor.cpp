// lab05, your file: the reactor's registrations and its turn, declared in reactor.h.
// Fill in each TODO in order; `make test` (in this folder) says which ones still fail and why.
// The given parts (the constructor, mask, dispatch, run, set_end_of_turn) are in
// reactor_helpers.cpp: yours to call, not to change.
#include <array>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <utility>

#include "common/sys_error.h"
#include "lab05_full_chat/reactor.h"

namespace room {

Key Reactor::add(int fd, std::uint32_t events, Handler handler)
{
    // BEGIN SOLUTION Register (README §2.1): take a fresh key (next_key_++, never reused), put it,
    // | not the fd, in epoll_event.data.u64, EPOLL_CTL_ADD with mask(events) (throw kit::SysError
    // | naming epoll_ctl and the fd if it fails), then keep {fd, events, the handler on the heap
    // | (std::make_unique<Handler>)} in entries_ under that key and return it.
    // STUB: kit::todo("Reactor::add", fd, events, handler);
    //! [add]
    const Key key = next_key_++;
    epoll_event event{};
    event.events = mask(events);
    // The key, not the fd: a number the kernel hands out again at the next accept must never find
    // an old registration's events (lab03 §2.2, mistake 10).
    event.data.u64 = key;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
        throw kit::SysError("epoll_ctl(ADD, fd " + std::to_string(fd) + ")", errno);
    }
    entries_.emplace(key, Entry{fd, events, std::make_unique<Handler>(std::move(handler))});
    return key;
    //! [add]
    // END SOLUTION
}

void Reactor::modify(Key key, std::uint32_t events)
{
    // BEGIN SOLUTION Change the mask (README §2.1): find key's entry (entries_.at throws
    // | std::out_of_range for an unknown key); if events is what it already asked for, return: no
    // | system call. Else EPOLL_CTL_MOD with mask(events) and data.u64 = key (throw kit::SysError if
    // | it fails), and remember the new events.
    // STUB: kit::todo("Reactor::modify", key, events);
    Entry& entry = entries_.at(key);
    if (entry.events == events) return;  // the server asks often; the kernel needs to hear it once
    epoll_event event{};
    event.events = mask(events);
    event.data.u64 = key;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, entry.fd, &event) != 0) {
        throw kit::SysError("epoll_ctl(MOD, fd " + std::to_string(entry.fd) + ")", errno);
    }
    entry.events = events;
    // END SOLUTION
}

void Reactor::remove(Key key)
{
    // BEGIN SOLUTION Unregister (README §2.1): an unknown key is ignored. Else EPOLL_CTL_DEL its fd
    // | (ENOENT and EBADF are no error: the owner may have closed it already), move its handler
    // | into retired_ (it may be the handler running right now: it must live until the end of the
    // | turn) and erase the entry, so that an event of this turn still queued for key is dropped.
    // STUB: kit::todo("Reactor::remove", key);
    //! [remove]
    const auto found = entries_.find(key);
    if (found == entries_.end()) return;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, found->second.fd, nullptr) != 0 &&
        errno != ENOENT && errno != EBADF) {
        throw kit::SysError("epoll_ctl(DEL, fd " + std::to_string(found->second.fd) + ")", errno);
    }
    // Destroying the handler now would destroy the code that may be running: a handler that
    // removes itself (a client that leaves) returns into freed memory.
    retired_.push_back(std::move(found->second.handler));
    entries_.erase(found);
    //! [remove]
    // END SOLUTION
}

void Reactor::call_again(Key key)
{
    // BEGIN SOLUTION Ask for one more call (README §2.4): append key to again_; run_once()
    // | dispatches it in the next turn, and waits with timeout 0 meanwhile.
    // STUB: kit::todo("Reactor::call_again", key);
    again_.push_back(key);
    // END SOLUTION
}

std::size_t Reactor::run_once(int timeout_ms)
{
    // BEGIN SOLUTION One turn (README §2.1, §2.4): take the call_again list of the last turn
    // | (swap again_ into a local), epoll_wait up to kMaxEventsPerTurn events (timeout 0 if that
    // | list is not empty: the bytes are already there); EINTR: an empty turn, a count of 0 (but
    // | keep the list for the next turn); another error: throw kit::SysError. Then dispatch()
    // | every event by its data.u64, then dispatch(key, EPOLLIN) for every key of the list, then
    // | call end_of_turn_ if set, then clear retired_. Return how many dispatch() calls ran a handler.
    // STUB: kit::todo("Reactor::run_once", timeout_ms);
    //! [run_once]
    std::vector<Key> again;
    again.swap(again_);
    std::array<epoll_event, kMaxEventsPerTurn> events;
    const int ready = ::epoll_wait(epoll_.get(), events.data(), kMaxEventsPerTurn,
                                   again.empty() ? timeout_ms : 0);
    if (ready < 0) {
        const int err = errno;
        // A signal's handler ran (a profiler, a debugger): nothing happened to our descriptors.
        // The keys asked for are still owed their call: keep them for the next turn.
        again_.insert(again_.begin(), again.begin(), again.end());
        if (err == EINTR) return 0;
        throw kit::SysError("epoll_wait(fd " + std::to_string(epoll_.get()) + ")", err);
    }
    std::size_t calls = 0;
    for (int i = 0; i < ready; ++i) {
        if (dispatch(events[i].data.u64, events[i].events)) ++calls;
    }
    // Under EPOLLET these bytes make no new event: they were there at the last edge.
    for (const Key key : again) {
        if (dispatch(key, EPOLLIN)) ++calls;
    }
    if (end_of_turn_) end_of_turn_();
    retired_.clear();  // no handler of this turn runs any more
    return calls;
    //! [run_once]
    // END SOLUTION
}

}  // namespace room
