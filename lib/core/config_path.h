/*
 * config_path.h: where the configuration file is, decided once for both
 * programs: -c FILE, else $COFFEETRIAL_CONFIG, else the default path if
 * it exists, else none (the built-in defaults).
 */
#ifndef CT_CONFIG_PATH_H
#define CT_CONFIG_PATH_H

/*
 * The configuration file to read: option (the -c argument; NULL or empty:
 * not given), else $COFFEETRIAL_CONFIG if set and not empty, else
 * CT_CONFIG_DEFAULT_PATH unless it does not exist. NULL means no file was
 * named and the default does not exist: run on the built-in defaults. A
 * named file is returned whether or not it exists (reading it says why it
 * cannot be read). The string is borrowed (option, the environment or a
 * constant).
 */
const char *ct_config_locate(const char *option);

#endif
