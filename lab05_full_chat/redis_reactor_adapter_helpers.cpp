// lab05 stage 5b, README §8 (given): attach_to_reactor(), which hands hiredis the hooks of your
// redis_reactor_adapter.cpp. Kept apart from your file so that it holds only your work.
#include "lab05_full_chat/redis_reactor_adapter.h"

namespace room {

int attach_to_reactor(redisAsyncContext* context, Reactor& reactor, chat::Mode mode)
{
    // One event loop per context: a second adapter would leak the first one's registration.
    if (context->ev.data != nullptr) return REDIS_ERR;
    context->ev.data = new RedisWatch{reactor, context, mode};
    context->ev.addRead = redis_add_read;
    context->ev.delRead = redis_del_read;
    context->ev.addWrite = redis_add_write;
    context->ev.delWrite = redis_del_write;
    context->ev.cleanup = redis_cleanup;
    return REDIS_OK;
}

}  // namespace room
