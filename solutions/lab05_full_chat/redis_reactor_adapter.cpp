// lab05 stage 5b (README §8), your file: hiredis's event hooks on the lab's Reactor, declared in
// redis_reactor_adapter.h. Fill in each TODO in order; `make test` (in this folder) says which ones
// still fail and why. attach_to_reactor(), which installs your hooks, is given
// (redis_reactor_adapter_helpers.cpp).
#include "lab05_full_chat/redis_reactor_adapter.h"

#include <sys/epoll.h>

#include "common/sys_error.h"

namespace room {

void redis_watch(RedisWatch& watch, std::uint32_t events)
{
    // BEGIN SOLUTION Follow what hiredis wants (README §8.2): events equal to watch.events:
    // | return. Not registered yet (key 0): reactor.add(context->c.fd, events, a handler that calls
    // | redis_on_ready(watch, its events)) and keep the key. events now 0: reactor.remove(key), key
    // | back to 0 (an idle socket must not wake the loop). Otherwise reactor.modify(key, events).
    // | Then remember events in watch.events.
    // STUB: kit::todo("redis_watch", watch.key, events);
    if (events == watch.events) return;
    if (watch.key == 0) {
        RedisWatch* self = &watch;
        watch.key = watch.reactor.add(watch.context->c.fd, events, [self](std::uint32_t ready) {
            redis_on_ready(*self, ready);
        });
    } else if (events == 0) {
        watch.reactor.remove(watch.key);
        watch.key = 0;
    } else {
        watch.reactor.modify(watch.key, events);
    }
    watch.events = events;
    // END SOLUTION
}

void redis_on_ready(RedisWatch& watch, std::uint32_t events)
{
    // BEGIN SOLUTION Hand readiness to hiredis (README §8.2). Copy the reactor, the key and the
    // | context into locals first: hiredis may free the context, and the cleanup hook the watch.
    // | EPOLLIN, EPOLLHUP or EPOLLERR -> redisAsyncHandleRead(context) (a hang-up is read as the
    // | end). If the key is then no longer registered (reactor.contains), return. EPOLLOUT ->
    // | redisAsyncHandleWrite(context), and the same check. In chat::Mode::Et, re-arm what is
    // | still wanted: modify(key, 0), then modify(key, watch.events): a MOD reports what is ready
    // | now, as a new edge (hiredis reads 16 KiB at most, writes once: bytes may be left over).
    // STUB: kit::todo("redis_on_ready", watch.key, events);
    Reactor& reactor = watch.reactor;
    const Key key = watch.key;
    redisAsyncContext* context = watch.context;
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
        redisAsyncHandleRead(context);
        if (!reactor.contains(key)) return;  // freed (cleanup) or nothing wanted any more
    }
    if ((events & EPOLLOUT) != 0) {
        redisAsyncHandleWrite(context);
        if (!reactor.contains(key)) return;
    }
    if (watch.mode == chat::Mode::Et && watch.key == key) {
        // hiredis was written for level-triggered loops (ae, libevent): it reads once and writes
        // once per call. Under EPOLLET what it left makes no new edge; a MOD makes one.
        reactor.modify(key, 0);
        reactor.modify(key, watch.events);
    }
    // END SOLUTION
}

void redis_add_read(void* data)
{
    // BEGIN SOLUTION addRead: watch for what the RedisWatch at data waits for, plus EPOLLIN.
    // STUB: kit::todo("redis_add_read", data);
    auto& watch = *static_cast<RedisWatch*>(data);
    redis_watch(watch, watch.events | EPOLLIN);
    // END SOLUTION
}

void redis_del_read(void* data)
{
    // BEGIN SOLUTION delRead: the same without EPOLLIN.
    // STUB: kit::todo("redis_del_read", data);
    auto& watch = *static_cast<RedisWatch*>(data);
    redis_watch(watch, watch.events & ~std::uint32_t{EPOLLIN});
    // END SOLUTION
}

void redis_add_write(void* data)
{
    // BEGIN SOLUTION addWrite: plus EPOLLOUT (hiredis has a command to send).
    // STUB: kit::todo("redis_add_write", data);
    auto& watch = *static_cast<RedisWatch*>(data);
    redis_watch(watch, watch.events | EPOLLOUT);
    // END SOLUTION
}

void redis_del_write(void* data)
{
    // BEGIN SOLUTION delWrite: without EPOLLOUT (everything is sent: an idle socket is always
    // | writable, so a mask left with EPOLLOUT would wake a level-triggered loop forever).
    // STUB: kit::todo("redis_del_write", data);
    auto& watch = *static_cast<RedisWatch*>(data);
    redis_watch(watch, watch.events & ~std::uint32_t{EPOLLOUT});
    // END SOLUTION
}

void redis_cleanup(void* data)
{
    // BEGIN SOLUTION cleanup, hiredis's last word on this context (README §8.2): watch for
    // | nothing (redis_watch with 0 removes the registration: the fd is about to be closed, and a
    // | registration left behind would be a stale key on a reused fd number), clear
    // | context->ev.data, and delete the RedisWatch.
    // STUB: kit::todo("redis_cleanup", data);
    auto* watch = static_cast<RedisWatch*>(data);
    redis_watch(*watch, 0);
    watch->context->ev.data = nullptr;
    delete watch;
    // END SOLUTION
}

}  // namespace room
