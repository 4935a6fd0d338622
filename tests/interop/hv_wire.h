/* hv_wire.h - the messages hv_utils and hv_kvp_daemon exchange through
 * /dev/vmbus/hv_kvp (struct hv_kvp_msg of <linux/hyperv.h>), under names of
 * our own: that header's KVP_POOL_* clash with libkvpcore's kvp/pool.h, so
 * the two cannot meet in one file. hv_wire_check.c proves at compile time
 * that this layout is the kernel header's.
 */
#ifndef KVP_HV_WIRE_H
#define KVP_HV_WIRE_H

#include <stdint.h>

#define HVW_OP_GET	 0
#define HVW_OP_SET	 1
#define HVW_OP_DELETE	 2
#define HVW_OP_ENUMERATE 3
#define HVW_OP_REGISTER1 100 /* daemon and driver both send it at start */

#define HVW_S_OK   0x00000000u
#define HVW_E_FAIL 0x80004005u
#define HVW_S_CONT 0x80070103u /* not found; end of an enumeration */

#define HVW_REG_SZ     1
#define HVW_KEY_SIZE   512
#define HVW_VALUE_SIZE 2048
#define HVW_MSG_SIZE   7432

struct hvw_value {
	uint32_t value_type;
	uint32_t key_size;   /* bytes, the terminating NUL included */
	uint32_t value_size; /* likewise */
	uint8_t key[HVW_KEY_SIZE];
	uint8_t value[HVW_VALUE_SIZE];
} __attribute__((packed));

struct hvw_msg {
	union {
		struct {
			uint8_t operation;
			uint8_t pool;
			uint16_t pad;
		} hdr;
		uint32_t error; /* in a reply: HVW_S_OK, HVW_S_CONT, ... */
	};
	union {
		struct hvw_value get; /* GET and SET */
		struct hvw_value set;
		struct {
			uint32_t key_size;
			uint8_t key[HVW_KEY_SIZE];
		} __attribute__((packed)) del;
		struct {
			uint32_t index;
			struct hvw_value data;
		} __attribute__((packed)) enumerate;
		uint8_t version[HVW_KEY_SIZE]; /* REGISTER1 */
		uint8_t raw[HVW_MSG_SIZE - 4];
	} body;
} __attribute__((packed));

_Static_assert(sizeof(struct hvw_msg) == HVW_MSG_SIZE, "hv_kvp_msg size");

#endif
