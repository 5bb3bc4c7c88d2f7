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
    // TODO: Register (README §2.1): take a fresh key (next_key_++, never reused), put it,
    //   not the fd, in epoll_event.data.u64, EPOLL_CTL_ADD with mask(events) (throw kit::SysError
    //   naming epoll_ctl and the fd if it fails), then keep {fd, events, the handler on the heap
    //   (std::make_unique<Handler>)} in entries_ under that key and return it.
    kit::todo("Reactor::add", fd, events, handler);
}

void Reactor::modify(Key key, std::uint32_t events)
{
    // TODO: Change the mask (README §2.1): find key's entry (entries_.at throws
    //   std::out_of_range for an unknown key); if events is what it already asked for, return: no
    //   system call. Else EPOLL_CTL_MOD with mask(events) and data.u64 = key (throw kit::SysError if
    //   it fails), and remember the new events.
    kit::todo("Reactor::modify", key, events);
}

void Reactor::remove(Key key)
{
    // TODO: Unregister (README §2.1): an unknown key is ignored. Else EPOLL_CTL_DEL its fd
    //   (ENOENT and EBADF are no error: the owner may have closed it already), move its handler
    //   into retired_ (it may be the handler running right now: it must live until the end of the
    //   turn) and erase the entry, so that an event of this turn still queued for key is dropped.
    kit::todo("Reactor::remove", key);
}

void Reactor::call_again(Key key)
{
    // TODO: Ask for one more call (README §2.4): append key to again_; run_once()
    //   dispatches it in the next turn, and waits with timeout 0 meanwhile.
    kit::todo("Reactor::call_again", key);
}

std::size_t Reactor::run_once(int timeout_ms)
{
    // TODO: One turn (README §2.1, §2.4): take the call_again list of the last turn
    //   (swap again_ into a local), epoll_wait up to kMaxEventsPerTurn events (timeout 0 if that
    //   list is not empty: the bytes are already there); EINTR: an empty turn, a count of 0 (but
    //   keep the list for the next turn); another error: throw kit::SysError. Then dispatch()
    //   every event by its data.u64, then dispatch(key, EPOLLIN) for every key of the list, then
    //   call end_of_turn_ if set, then clear retired_. Return how many dispatch() calls ran a handler.
    kit::todo("Reactor::run_once", timeout_ms);
}

}  // namespace room
