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
    // TODO: Follow what hiredis wants (README §8.2): events equal to watch.events:
    //   return. Not registered yet (key 0): reactor.add(context->c.fd, events, a handler that calls
    //   redis_on_ready(watch, its events)) and keep the key. events now 0: reactor.remove(key), key
    //   back to 0 (an idle socket must not wake the loop). Otherwise reactor.modify(key, events).
    //   Then remember events in watch.events.
    kit::todo("redis_watch", watch.key, events);
}

void redis_on_ready(RedisWatch& watch, std::uint32_t events)
{
    // TODO: Hand readiness to hiredis (README §8.2). Copy the reactor, the key and the
    //   context into locals first: hiredis may free the context, and the cleanup hook the watch.
    //   EPOLLIN, EPOLLHUP or EPOLLERR -> redisAsyncHandleRead(context) (a hang-up is read as the
    //   end). If the key is then no longer registered (reactor.contains), return. EPOLLOUT ->
    //   redisAsyncHandleWrite(context), and the same check. In chat::Mode::Et, re-arm what is
    //   still wanted: modify(key, 0), then modify(key, watch.events): a MOD reports what is ready
    //   now, as a new edge (hiredis reads 16 KiB at most, writes once: bytes may be left over).
    kit::todo("redis_on_ready", watch.key, events);
}

void redis_add_read(void* data)
{
    // TODO: addRead: watch for what the RedisWatch at data waits for, plus EPOLLIN.
    kit::todo("redis_add_read", data);
}

void redis_del_read(void* data)
{
    // TODO: delRead: the same without EPOLLIN.
    kit::todo("redis_del_read", data);
}

void redis_add_write(void* data)
{
    // TODO: addWrite: plus EPOLLOUT (hiredis has a command to send).
    kit::todo("redis_add_write", data);
}

void redis_del_write(void* data)
{
    // TODO: delWrite: without EPOLLOUT (everything is sent: an idle socket is always
    //   writable, so a mask left with EPOLLOUT would wake a level-triggered loop forever).
    kit::todo("redis_del_write", data);
}

void redis_cleanup(void* data)
{
    // TODO: cleanup, hiredis's last word on this context (README §8.2): watch for
    //   nothing (redis_watch with 0 removes the registration: the fd is about to be closed, and a
    //   registration left behind would be a stale key on a reused fd number), clear
    //   context->ev.data, and delete the RedisWatch.
    kit::todo("redis_cleanup", data);
}

}  // namespace room
