"""Template filters over `explain`: rules and results in words."""

from django import template

from .. import explain

register = template.Library()
register.filter("rule_lines", explain.rule_lines)
register.filter("condition_text", explain.condition_text)
register.filter("class_label", explain.class_label)
register.filter("answer_text", explain.answer_text)
