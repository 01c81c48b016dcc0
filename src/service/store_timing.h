/* Store call latency, measured at the service -> store boundary.
 *
 * Included (through service_internal.h) by every service file after store/store.h: each store
 * function below is shadowed by a macro of the same name that times the real call (the name
 * inside its own expansion is not expanded again) and counts it on the calling thread's metrics
 * slot. The call sites stay as they are, and the store can change backend underneath: only the
 * function names matter. A store call not listed here is simply not timed; add it to the list
 * (X-macro: enum value, metric label). */
#ifndef TZ_SERVICE_STORE_TIMING_H
#define TZ_SERVICE_STORE_TIMING_H
#include "service/metrics.h"
#include "store/store.h"

#define TZ_STORE_TIMED_CALLS(X)                       \
    X(NAMED_GET, named_get)                           \
    X(NAMED_GET_BY_NAME, named_get_by_name)           \
    X(NAMED_LIST, named_list)                         \
    X(NAMED_CREATE, named_create)                     \
    X(NAMED_UPDATE, named_update)                     \
    X(NAMED_DELETE, named_delete)                     \
    X(NAMED_DELETE_ALL, named_delete_all)             \
    X(TEMP_SECRET_GET, temp_secret_get)               \
    X(TEMP_SECRET_BUMP, temp_secret_bump)             \
    X(SUBJECT_STATE, subject_state)                   \
    X(USER_GET, user_get)                             \
    X(USER_GET_BY_USERNAME, user_get_by_username)     \
    X(USER_IS_MEMBER, user_is_member)                 \
    X(USER_HAS_PRIVILEGE, user_has_privilege)         \
    X(USER_HAS_OZ_PRIVILEGE, user_has_oz_privilege)   \
    X(USER_SPACES, user_spaces)                       \
    X(PROVIDER_GET, provider_get)                     \
    X(PROVIDER_SUPPORTS_USER, provider_supports_user) \
    X(SPACE_PROVIDERS, space_providers)               \
    X(ENTITY_EXISTS, entity_exists)                   \
    X(ENTITY_NAME, entity_name)                       \
    X(TEMP_SEALED_GET, temp_sealed_get)               \
    X(TEMP_SEALED_BUMP, temp_sealed_bump)

#define TZ_STORE_OP_ENUM(E, n) TZ_STORE_OP_##E,
typedef enum tz_store_op { TZ_STORE_TIMED_CALLS(TZ_STORE_OP_ENUM) TZ_STORE_OP__COUNT } tz_store_op;
#undef TZ_STORE_OP_ENUM

/* The label of a store operation ("named_get"), NULL past the end. */
const char *tz_store_op_name(unsigned op);

/* A GNU statement expression (gcc and clang): evaluates `call` once, counts it, yields its
 * tz_error *. */
#define TZ_STORE_TIMED(op, call)                           \
    __extension__({                                        \
        uint64_t tz_t0_ = tz_metrics_now_ns();             \
        tz_error *tz_e_ = (call);                          \
        tz_metrics_store_call((op), tz_t0_, tz_e_);        \
        tz_e_;                                             \
    })

#define tz_store_named_get(...) TZ_STORE_TIMED(TZ_STORE_OP_NAMED_GET, tz_store_named_get(__VA_ARGS__))
#define tz_store_named_get_by_name(...) TZ_STORE_TIMED(TZ_STORE_OP_NAMED_GET_BY_NAME, tz_store_named_get_by_name(__VA_ARGS__))
#define tz_store_named_list(...) TZ_STORE_TIMED(TZ_STORE_OP_NAMED_LIST, tz_store_named_list(__VA_ARGS__))
#define tz_store_named_create(...) TZ_STORE_TIMED(TZ_STORE_OP_NAMED_CREATE, tz_store_named_create(__VA_ARGS__))
#define tz_store_named_update(...) TZ_STORE_TIMED(TZ_STORE_OP_NAMED_UPDATE, tz_store_named_update(__VA_ARGS__))
#define tz_store_named_delete(...) TZ_STORE_TIMED(TZ_STORE_OP_NAMED_DELETE, tz_store_named_delete(__VA_ARGS__))
#define tz_store_named_delete_all(...) TZ_STORE_TIMED(TZ_STORE_OP_NAMED_DELETE_ALL, tz_store_named_delete_all(__VA_ARGS__))
#define tz_store_temp_secret_get(...) TZ_STORE_TIMED(TZ_STORE_OP_TEMP_SECRET_GET, tz_store_temp_secret_get(__VA_ARGS__))
#define tz_store_temp_secret_bump(...) TZ_STORE_TIMED(TZ_STORE_OP_TEMP_SECRET_BUMP, tz_store_temp_secret_bump(__VA_ARGS__))
#define tz_store_subject_state(...) TZ_STORE_TIMED(TZ_STORE_OP_SUBJECT_STATE, tz_store_subject_state(__VA_ARGS__))
#define tz_store_user_get(...) TZ_STORE_TIMED(TZ_STORE_OP_USER_GET, tz_store_user_get(__VA_ARGS__))
#define tz_store_user_get_by_username(...) TZ_STORE_TIMED(TZ_STORE_OP_USER_GET_BY_USERNAME, tz_store_user_get_by_username(__VA_ARGS__))
#define tz_store_user_is_member(...) TZ_STORE_TIMED(TZ_STORE_OP_USER_IS_MEMBER, tz_store_user_is_member(__VA_ARGS__))
#define tz_store_user_has_privilege(...) TZ_STORE_TIMED(TZ_STORE_OP_USER_HAS_PRIVILEGE, tz_store_user_has_privilege(__VA_ARGS__))
#define tz_store_user_has_oz_privilege(...) TZ_STORE_TIMED(TZ_STORE_OP_USER_HAS_OZ_PRIVILEGE, tz_store_user_has_oz_privilege(__VA_ARGS__))
#define tz_store_user_spaces(...) TZ_STORE_TIMED(TZ_STORE_OP_USER_SPACES, tz_store_user_spaces(__VA_ARGS__))
#define tz_store_provider_get(...) TZ_STORE_TIMED(TZ_STORE_OP_PROVIDER_GET, tz_store_provider_get(__VA_ARGS__))
#define tz_store_provider_supports_user(...) TZ_STORE_TIMED(TZ_STORE_OP_PROVIDER_SUPPORTS_USER, tz_store_provider_supports_user(__VA_ARGS__))
#define tz_store_space_providers(...) TZ_STORE_TIMED(TZ_STORE_OP_SPACE_PROVIDERS, tz_store_space_providers(__VA_ARGS__))
#define tz_store_entity_exists(...) TZ_STORE_TIMED(TZ_STORE_OP_ENTITY_EXISTS, tz_store_entity_exists(__VA_ARGS__))
#define tz_store_entity_name(...) TZ_STORE_TIMED(TZ_STORE_OP_ENTITY_NAME, tz_store_entity_name(__VA_ARGS__))
#define tz_store_temp_sealed_get(...) TZ_STORE_TIMED(TZ_STORE_OP_TEMP_SEALED_GET, tz_store_temp_sealed_get(__VA_ARGS__))
#define tz_store_temp_sealed_bump(...) TZ_STORE_TIMED(TZ_STORE_OP_TEMP_SEALED_BUMP, tz_store_temp_sealed_bump(__VA_ARGS__))

#endif
