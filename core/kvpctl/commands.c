/* commands.c - kvpctl's command table, in the order of the usage text. A
 * new command is its descriptor (in its own cmd_*.c file) plus one
 * declaration and one entry here. */
#include "kvpctl.h"

/* cmd_store.c */
extern const struct kvpctl_command kvpctl_cmd_get, kvpctl_cmd_set,
    kvpctl_cmd_append, kvpctl_cmd_delete, kvpctl_cmd_len, kvpctl_cmd_clear;
/* cmd_list.c */
extern const struct kvpctl_command kvpctl_cmd_list, kvpctl_cmd_dump;
/* cmd_events.c */
extern const struct kvpctl_command kvpctl_cmd_events;
/* cmd_report.c */
extern const struct kvpctl_command kvpctl_cmd_report;
/* cmd_config.c */
extern const struct kvpctl_command kvpctl_cmd_check_config;

const struct kvpctl_command *const kvpctl_commands[] = {
    &kvpctl_cmd_get,
    &kvpctl_cmd_set,
    &kvpctl_cmd_append,
    &kvpctl_cmd_delete,
    &kvpctl_cmd_list,
    &kvpctl_cmd_dump,
    &kvpctl_cmd_len,
    &kvpctl_cmd_clear,
    &kvpctl_cmd_events,
    /* cmd_report.c: DIAG records for scripts */
    &kvpctl_cmd_report,
    &kvpctl_cmd_check_config,
    NULL,
};
