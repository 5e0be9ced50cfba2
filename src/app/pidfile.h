/* The pid file: written after the sockets are bound, removed on clean exit. */
#ifndef TERN_APP_PIDFILE_H
#define TERN_APP_PIDFILE_H

/* Writes "<pid>\n" to path (borrowed), replacing any previous content. 0 or -errno. */
int pidfile_write(const char *path);
/* Removes path if it still holds our pid. */
void pidfile_remove(const char *path);

#endif
