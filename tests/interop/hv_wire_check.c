/* hv_wire_check.c - compile-time proof that hv_wire.h describes the same
 * bytes as the kernel's struct hv_kvp_msg (<linux/hyperv.h>). Nothing runs
 * here; the build fails when they differ. */
#include <stddef.h>
#include <linux/hyperv.h>

#include "hv_wire.h"

#define SAME_AT(ours, theirs)                                                  \
	_Static_assert(offsetof(struct hvw_msg, ours) ==                       \
			   offsetof(struct hv_kvp_msg, theirs),                \
		       #ours " is not at " #theirs)

_Static_assert(sizeof(struct hvw_msg) == sizeof(struct hv_kvp_msg),
	       "struct size");
_Static_assert(HVW_OP_GET == KVP_OP_GET && HVW_OP_SET == KVP_OP_SET &&
		   HVW_OP_DELETE == KVP_OP_DELETE &&
		   HVW_OP_ENUMERATE == KVP_OP_ENUMERATE &&
		   HVW_OP_REGISTER1 == KVP_OP_REGISTER1,
	       "operations");
_Static_assert(HVW_S_OK == HV_S_OK && HVW_S_CONT == HV_S_CONT &&
		   HVW_E_FAIL == HV_E_FAIL && HVW_REG_SZ == REG_SZ,
	       "status codes");
_Static_assert(HVW_KEY_SIZE == HV_KVP_EXCHANGE_MAX_KEY_SIZE &&
		   HVW_VALUE_SIZE == HV_KVP_EXCHANGE_MAX_VALUE_SIZE,
	       "field sizes");
SAME_AT(hdr.operation, kvp_hdr.operation);
SAME_AT(hdr.pool, kvp_hdr.pool);
SAME_AT(error, error);
SAME_AT(body.set.value_type, body.kvp_set.data.value_type);
SAME_AT(body.set.key_size, body.kvp_set.data.key_size);
SAME_AT(body.set.value_size, body.kvp_set.data.value_size);
SAME_AT(body.set.key, body.kvp_set.data.key);
SAME_AT(body.set.value, body.kvp_set.data.value);
SAME_AT(body.get.key, body.kvp_get.data.key);
SAME_AT(body.get.value, body.kvp_get.data.value);
SAME_AT(body.del.key_size, body.kvp_delete.key_size);
SAME_AT(body.del.key, body.kvp_delete.key);
SAME_AT(body.enumerate.index, body.kvp_enum_data.index);
SAME_AT(body.enumerate.data.key, body.kvp_enum_data.data.key);
SAME_AT(body.enumerate.data.value, body.kvp_enum_data.data.value);
SAME_AT(body.version, body.kvp_register.version);

/* ISO C wants at least one declaration. */
extern const int hv_wire_checked;
const int hv_wire_checked = 1;
