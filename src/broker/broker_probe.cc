#include "broker/broker_probe.h"
