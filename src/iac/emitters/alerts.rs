//! Mappings for Azure Monitor alerting: action groups, metric alerts,
//! log search (scheduled query) alerts, activity log alerts, alert
//! processing rules, and autoscale settings.
//!
//! An alert's scopes and an autoscale setting's target must be emitted for
//! the rule to mean anything, so a missing one skips the rule. Webhook URLs
//! may carry tokens: they are copied as the source has them, with a note.

use super::interpret::collect;
use super::spec::*;
use crate::iac::context::{EmitCx, Skip};
use crate::iac::doc::Value;
use crate::model::Resource;
use serde_json::Value as Json;

const GLOBAL: Arg = fixed("location", Lit::Str("global"));
const ACTION_GROUP: &str = "action group";

/// The alerting mappings.
pub static MAPPINGS: &[Mapping] = &[
    Mapping::new(
        "microsoft.insights/actiongroups",
        "azurerm_monitor_action_group",
        "monitoring",
    )
    .scope(Scope::Grouped)
    .args(&[
        GLOBAL,
        s("short_name", "groupShortName").req(),
        b("enabled", "enabled"),
    ])
    .nests(&[
        blocks(
            "email_receiver",
            "emailReceivers",
            Repeat::Each,
            &[
                s("name", "name").req(),
                s("email_address", "emailAddress").req(),
                b("use_common_alert_schema", "useCommonAlertSchema"),
            ],
        ),
        blocks(
            "sms_receiver",
            "smsReceivers",
            Repeat::Each,
            &[
                s("name", "name").req(),
                s("country_code", "countryCode").req(),
                s("phone_number", "phoneNumber").req(),
            ],
        ),
        blocks(
            "voice_receiver",
            "voiceReceivers",
            Repeat::Each,
            &[
                s("name", "name").req(),
                s("country_code", "countryCode").req(),
                s("phone_number", "phoneNumber").req(),
            ],
        ),
        blocks(
            "webhook_receiver",
            "webhookReceivers",
            Repeat::Each,
            &[
                s("name", "name").req(),
                s("service_uri", "serviceUri").req(),
                b("use_common_alert_schema", "useCommonAlertSchema"),
            ],
        ),
        blocks(
            "arm_role_receiver",
            "armRoleReceivers",
            Repeat::Each,
            &[
                s("name", "name").req(),
                s("role_id", "roleId").req(),
                b("use_common_alert_schema", "useCommonAlertSchema"),
            ],
        ),
        blocks(
            "azure_app_push_receiver",
            "azureAppPushReceivers",
            Repeat::Each,
            &[
                s("name", "name").req(),
                s("email_address", "emailAddress").req(),
            ],
        ),
    ])
    .notes(&[note(
        When::Has(Src::P("webhookReceivers")),
        "webhook URLs are copied without their credential query parameters (`sig`, `code`, `token`, keys): a URL that authenticates by its path alone still carries its secret, rotate it",
    )]),
    Mapping::new(
        "microsoft.insights/metricalerts",
        "azurerm_monitor_metric_alert",
        "monitoring",
    )
    .scope(Scope::Grouped)
    .args(&[
        arg(
            "scopes",
            Src::Refs("scopes", "id", "alert scope"),
            Conv::AsIs,
        )
        .req(),
        s("description", "description"),
        n("severity", "severity"),
        b("enabled", "enabled"),
        b("auto_mitigate", "autoMitigate"),
        one_of(
            "frequency",
            "evaluationFrequency",
            &["PT1M", "PT5M", "PT15M", "PT30M", "PT1H"],
        ),
        one_of(
            "window_size",
            "windowSize",
            &[
                "PT1M", "PT5M", "PT15M", "PT30M", "PT1H", "PT6H", "PT12H", "P1D",
            ],
        ),
        s("target_resource_type", "targetResourceType"),
        s("target_resource_location", "targetResourceRegion"),
    ])
    .nests(&[
        blocks(
            "criteria",
            "criteria/allOf",
            Repeat::Each,
            &[
                s("metric_namespace", "metricNamespace").req(),
                s("metric_name", "metricName").req(),
                one_of(
                    "aggregation",
                    "timeAggregation",
                    &["Average", "Count", "Minimum", "Maximum", "Total"],
                )
                .req(),
                one_of(
                    "operator",
                    "operator",
                    &[
                        "Equals",
                        "GreaterThan",
                        "GreaterThanOrEqual",
                        "LessThan",
                        "LessThanOrEqual",
                    ],
                )
                .req(),
                f("threshold", "threshold").req(),
                b("skip_metric_validation", "skipMetricValidation"),
            ],
        )
        .when(When::IsNot(
            Src::P("criterionType"),
            &["DynamicThresholdCriterion"],
        ))
        .nests(&[DIMENSIONS]),
        block(
            "dynamic_criteria",
            "criteria/allOf/0",
            &[
                s("metric_namespace", "metricNamespace").req(),
                s("metric_name", "metricName").req(),
                one_of(
                    "aggregation",
                    "timeAggregation",
                    &["Average", "Count", "Minimum", "Maximum", "Total"],
                )
                .req(),
                one_of(
                    "operator",
                    "operator",
                    &["LessThan", "GreaterThan", "GreaterOrLessThan"],
                )
                .req(),
                one_of(
                    "alert_sensitivity",
                    "alertSensitivity",
                    &["Low", "Medium", "High"],
                )
                .req(),
                n(
                    "evaluation_total_count",
                    "failingPeriods/numberOfEvaluationPeriods",
                ),
                n(
                    "evaluation_failure_count",
                    "failingPeriods/minFailingPeriodsToAlert",
                ),
            ],
        )
        .when(When::Is(
            Src::P("criteria/allOf/0/criterionType"),
            &["DynamicThresholdCriterion"],
        ))
        .nests(&[DIMENSIONS]),
        blocks(
            "action",
            "actions",
            Repeat::Each,
            &[
                reference("action_group_id", "actionGroupId", "id", ACTION_GROUP).key(),
                arg(
                    "webhook_properties",
                    Src::P("webHookProperties"),
                    Conv::StrMap,
                ),
            ],
        ),
    ]),
    Mapping::new(
        "microsoft.insights/scheduledqueryrules",
        "azurerm_monitor_scheduled_query_rules_alert_v2",
        "monitoring",
    )
    .args(&[
        arg(
            "scopes",
            Src::Refs("scopes", "id", "alert scope"),
            Conv::AsIs,
        )
        .req(),
        n("severity", "severity").req(),
        one_of("evaluation_frequency", "evaluationFrequency", FREQUENCIES).req(),
        one_of("window_duration", "windowSize", WINDOWS).req(),
        s("description", "description"),
        s("display_name", "displayName"),
        b("enabled", "enabled"),
        b("auto_mitigation_enabled", "autoMitigate"),
        s("mute_actions_after_alert_duration", "muteActionsDuration"),
        b("skip_query_validation", "skipQueryValidation"),
        b(
            "workspace_alerts_storage_enabled",
            "checkWorkspaceAlertsStorageConfigured",
        ),
        strs("target_resource_types", "targetResourceTypes"),
    ])
    .nests(&[
        blocks(
            "criteria",
            "criteria/allOf",
            Repeat::EachRequired,
            &[
                s("query", "query").req(),
                one_of(
                    "time_aggregation_method",
                    "timeAggregation",
                    &["Count", "Average", "Minimum", "Maximum", "Total"],
                )
                .req(),
                f("threshold", "threshold").req(),
                one_of(
                    "operator",
                    "operator",
                    &[
                        "Equal",
                        "GreaterThan",
                        "GreaterThanOrEqual",
                        "LessThan",
                        "LessThanOrEqual",
                    ],
                )
                .req(),
                s("metric_measure_column", "metricMeasureColumn"),
                s("resource_id_column", "resourceIdColumn"),
            ],
        )
        .nests(&[
            blocks(
                "dimension",
                "dimensions",
                Repeat::Each,
                &[
                    s("name", "name").req(),
                    one_of("operator", "operator", &["Include", "Exclude"]).req(),
                    strs("values", "values").req(),
                ],
            ),
            block(
                "failing_periods",
                "failingPeriods",
                &[
                    n(
                        "minimum_failing_periods_to_trigger_alert",
                        "minFailingPeriodsToAlert",
                    )
                    .key(),
                    n("number_of_evaluation_periods", "numberOfEvaluationPeriods").key(),
                ],
            ),
        ]),
        block(
            "action",
            "actions",
            &[
                arg(
                    "action_groups",
                    Src::Refs("actionGroups", "id", ACTION_GROUP),
                    Conv::AsIs,
                ),
                arg(
                    "custom_properties",
                    Src::P("customProperties"),
                    Conv::StrMap,
                ),
            ],
        ),
    ]),
    Mapping::new(
        "microsoft.insights/activitylogalerts",
        "azurerm_monitor_activity_log_alert",
        "monitoring",
    )
    .scope(Scope::Grouped)
    .args(&[
        GLOBAL,
        compute("scopes", activity_scopes).req(),
        s("description", "description"),
        b("enabled", "enabled"),
    ])
    .nests(&[
        blocks(
            "criteria",
            "",
            Repeat::Required,
            &[
                compute("category", condition_category).req(),
                compute("operation_name", condition_operation),
                compute("level", condition_level),
                compute("status", condition_status),
                compute("resource_type", condition_resource_type),
            ],
        ),
        blocks(
            "action",
            "actions/actionGroups",
            Repeat::Each,
            &[
                reference("action_group_id", "actionGroupId", "id", ACTION_GROUP).key(),
                arg(
                    "webhook_properties",
                    Src::P("webhookProperties"),
                    Conv::StrMap,
                ),
            ],
        ),
    ]),
    Mapping::new(
        "microsoft.alertsmanagement/actionrules",
        "azurerm_monitor_alert_processing_rule_action_group",
        "monitoring",
    )
    .choose(
        select_processing_rule,
        &["azurerm_monitor_alert_processing_rule_suppression"],
    )
    .scope(Scope::Grouped)
    .args(&[
        compute("scopes", processing_scopes).req(),
        arg(
            "add_action_group_ids",
            Src::Refs("actions/0/actionGroupIds", "id", ACTION_GROUP),
            Conv::AsIs,
        )
        .req()
        .when(When::Type(
            "azurerm_monitor_alert_processing_rule_action_group",
        )),
        s("description", "description"),
        b("enabled", "enabled"),
    ]),
    Mapping::new(
        "microsoft.insights/autoscalesettings",
        "azurerm_monitor_autoscale_setting",
        "monitoring",
    )
    .args(&[
        reference(
            "target_resource_id",
            "targetResourceUri",
            "id",
            "autoscale target",
        )
        .req(),
        b("enabled", "enabled"),
    ])
    .nests(&[blocks(
        "profile",
        "profiles",
        Repeat::EachRequired,
        &[s("name", "name").req()],
    )
    .nests(&[
        blocks(
            "capacity",
            "capacity",
            Repeat::Required,
            &[
                n("default", "default").req(),
                n("minimum", "minimum").req(),
                n("maximum", "maximum").req(),
            ],
        ),
        blocks("rule", "rules", Repeat::Each, &[]).nests(&[
            blocks(
                "metric_trigger",
                "metricTrigger",
                Repeat::Required,
                &[
                    s("metric_name", "metricName").req(),
                    s("metric_namespace", "metricNamespace"),
                    reference(
                        "metric_resource_id",
                        "metricResourceUri",
                        "id",
                        "metric source",
                    )
                    .req(),
                    s("time_grain", "timeGrain").req(),
                    one_of("statistic", "statistic", &["Average", "Max", "Min", "Sum"]).req(),
                    s("time_window", "timeWindow").req(),
                    one_of(
                        "time_aggregation",
                        "timeAggregation",
                        &["Average", "Count", "Maximum", "Minimum", "Total", "Last"],
                    )
                    .req(),
                    one_of(
                        "operator",
                        "operator",
                        &[
                            "Equals",
                            "GreaterThan",
                            "GreaterThanOrEqual",
                            "LessThan",
                            "LessThanOrEqual",
                            "NotEquals",
                        ],
                    )
                    .req(),
                    f("threshold", "threshold").req(),
                    b("divide_by_instance_count", "dividePerInstance"),
                ],
            ),
            blocks(
                "scale_action",
                "scaleAction",
                Repeat::Required,
                &[
                    one_of("direction", "direction", &["Increase", "Decrease"]).req(),
                    one_of(
                        "type",
                        "type",
                        &[
                            "ChangeCount",
                            "ExactCount",
                            "PercentChangeCount",
                            "ServiceAllowedNextValue",
                        ],
                    )
                    .req(),
                    n("value", "value").req(),
                    s("cooldown", "cooldown").req(),
                ],
            ),
        ]),
    ])]),
];

/// Metric dimensions, the same block in several alert kinds.
const DIMENSIONS: Nest = blocks(
    "dimension",
    "dimensions",
    Repeat::Each,
    &[
        s("name", "name").req(),
        one_of(
            "operator",
            "operator",
            &["Include", "Exclude", "StartsWith"],
        )
        .req(),
        strs("values", "values").req(),
    ],
);

const FREQUENCIES: &[&str] = &[
    "PT1M", "PT5M", "PT10M", "PT15M", "PT30M", "PT45M", "PT1H", "PT2H", "PT3H", "PT4H", "PT5H",
    "PT6H", "P1D",
];
const WINDOWS: &[&str] = &[
    "PT1M", "PT5M", "PT10M", "PT15M", "PT30M", "PT45M", "PT1H", "PT2H", "PT3H", "PT4H", "PT5H",
    "PT6H", "P1D", "P2D",
];

/// Scopes in the target (`cx.scope`): subscriptions, resource groups and
/// resources; one outside the emitted set skips the rule.
fn target_scopes(r: &Resource, path: &str, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    let mut out = Vec::new();
    for s in collect(&r.properties, path)
        .into_iter()
        .filter_map(Json::as_str)
    {
        out.push(cx.scope(s).ok_or_else(|| Skip::outside("scope", s))?);
    }
    Ok((!out.is_empty()).then_some(Value::List(out)))
}

fn activity_scopes(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    target_scopes(at.r, "scopes/*", cx)
}

fn processing_scopes(at: &At, cx: &mut EmitCx) -> Result<Option<Value>, Skip> {
    target_scopes(at.r, "scopes/*", cx)
}

/// The `equals` of the activity log alert condition on `field`.
fn condition(r: &Resource, field: &str) -> Option<Value> {
    collect(&r.properties, "condition/allOf/*")
        .into_iter()
        .find(|c| {
            c.get("field")
                .and_then(Json::as_str)
                .is_some_and(|f| f.eq_ignore_ascii_case(field))
        })
        .and_then(|c| c.get("equals")?.as_str())
        .map(Value::str)
}

fn condition_category(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(condition(at.r, "category"))
}
fn condition_operation(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(condition(at.r, "operationName"))
}
fn condition_level(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(condition(at.r, "level"))
}
fn condition_status(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(condition(at.r, "status"))
}
fn condition_resource_type(at: &At, _: &mut EmitCx) -> Result<Option<Value>, Skip> {
    Ok(condition(at.r, "resourceType"))
}

/// A rule that removes all action groups is a suppression rule; one that
/// adds action groups, an action group rule.
fn select_processing_rule(r: &Resource) -> Result<&'static str, Skip> {
    match super::interpret::get(&r.properties, "actions/0/actionType").and_then(Json::as_str) {
        Some(t) if t.eq_ignore_ascii_case("RemoveAllActionGroups") => {
            Ok("azurerm_monitor_alert_processing_rule_suppression")
        }
        Some(t) if t.eq_ignore_ascii_case("AddActionGroups") => {
            Ok("azurerm_monitor_alert_processing_rule_action_group")
        }
        _ => Err(Skip::missing("properties.actions[0].actionType")),
    }
}
