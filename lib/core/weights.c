/*
 * weights.c: the list of pairing weights (weights.h) as a table, for the
 * code that looks a term up by index: the explanation's names and labels,
 * the defaults, the reasons' order.
 */
#include "weights.h"

#define CT_WEIGHT_ROW_(ID, name, conf, key, def, min, max, label, order)                           \
    [CT_W_##ID] = {#name, key, def, min, max, label, order},

const struct ct_weight_def ct_weights[CT_WEIGHT_COUNT] = {CT_WEIGHT_LIST(CT_WEIGHT_ROW_)};

double
ct_weight_repeat_of(double weight_organisation)
{
    return weight_organisation > 0 ? weight_organisation : 1.0;
}
