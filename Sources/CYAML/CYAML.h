#ifndef GISLOG_CYAML_H
#define GISLOG_CYAML_H
// libyaml's event parser: rule files are read as a stream of events and built into a tree in Swift.
#include <yaml.h>
#endif
