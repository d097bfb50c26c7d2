"""Forms built from a policy file: the calculator's facts, and an analyst's changes."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .schema import FactSpec, Policy
from .simulate import class_thresholds


def fact_field(spec: FactSpec) -> forms.Field:
    common: dict[str, Any] = {
        "label": str(spec.label),
        "required": False,
        "help_text": str(spec.help) if spec.help else "",
    }
    if spec.type == "boolean":
        return forms.BooleanField(**common)
    if spec.type == "choice":
        choices = [(value, str(label)) for value, label in spec.choices.items()]
        return forms.ChoiceField(choices=choices, initial=spec.default, **common)
    attrs = {"inputmode": "decimal" if spec.type == "number" else "numeric"}
    field_class = forms.DecimalField if spec.type == "number" else forms.IntegerField
    if spec.unit:
        common["label"] = f"{spec.label} ({spec.unit})"
    return field_class(
        min_value=spec.min,
        max_value=spec.max,
        initial=spec.default,
        widget=forms.NumberInput(attrs=attrs),
        **common,
    )


class FactsForm(forms.Form):
    """One field per fact the policy reads, in the file's order."""

    def __init__(self, policy: Policy, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        for name, spec in policy.facts.items():
            self.fields[name] = fact_field(spec)

    def facts(self) -> dict[str, Any]:
        return {
            name: (float(v) if isinstance(v, int | float) or hasattr(v, "as_tuple") else v)
            for name, v in self.cleaned_data.items()
            if v is not None and v != ""
        }


class ScenarioForm(forms.Form):
    """The scenario's name and, for each number an analyst may change, a field prefilled
    with the policy's value: the threshold, each class's points, each band's or choice's
    points, and the flag and any-of items' points."""

    name = forms.CharField(label=_("Scenario name"), max_length=120)

    def __init__(self, policy: Policy, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.rows: list[tuple[str, list[str]]] = []  # (item label, its field names)
        number = {"widget": forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})}
        if policy.threshold is not None:
            self.fields["threshold"] = forms.FloatField(
                label=_("Points needed"), initial=policy.threshold, min_value=0, **number
            )
        for code, points in class_thresholds(policy).items():
            self.fields[f"class__{code}"] = forms.FloatField(
                label=_("Points for class %(code)s") % {"code": code},
                initial=points,
                min_value=0,
                **number,
            )
        from .evaluate import band_text

        for item in policy.items:
            names = []
            if item.bands is not None:
                for n, band in enumerate(item.bands):
                    name = f"item__{item.code}__band__{n}"
                    self.fields[name] = forms.FloatField(
                        label=band_text(band), initial=band.points, **number
                    )
                    names.append(name)
            elif item.map is not None:
                for choice, label in policy.facts[item.fact or ""].choices.items():
                    name = f"item__{item.code}__map__{choice}"
                    self.fields[name] = forms.FloatField(
                        label=str(label), initial=item.map.get(choice, 0), **number
                    )
                    names.append(name)
            else:
                key = "when_true" if item.when_true is not None else "points"
                name = f"item__{item.code}__{key}"
                self.fields[name] = forms.FloatField(
                    label=_("Points"), initial=getattr(item, key), **number
                )
                names.append(name)
            self.rows.append((str(item.label), names))

    def overrides(self) -> dict[str, Any]:
        """Only what differs from the policy, in `simulate.apply_overrides`' shape."""
        data = self.cleaned_data
        out: dict[str, Any] = {}
        if "threshold" in data and data["threshold"] != self.policy.threshold:
            out["threshold"] = data["threshold"]
        for code, points in class_thresholds(self.policy).items():
            if data.get(f"class__{code}") != points:
                out.setdefault("classes", {})[code] = data[f"class__{code}"]
        for item in self.policy.items:
            change: dict[str, Any] = {}
            if item.bands is not None:
                values = [data[f"item__{item.code}__band__{n}"] for n in range(len(item.bands))]
                if values != [b.points for b in item.bands]:
                    change["bands"] = values
            elif item.map is not None:
                choices = self.policy.facts[item.fact or ""].choices
                values = {c: data[f"item__{item.code}__map__{c}"] for c in choices}
                if any(values[c] != item.map.get(c, 0) for c in choices):
                    change["map"] = values
            else:
                key = "when_true" if item.when_true is not None else "points"
                if data[f"item__{item.code}__{key}"] != getattr(item, key):
                    change[key] = data[f"item__{item.code}__{key}"]
            if change:
                out.setdefault("items", {})[item.code] = change
        return out


class OpenForm(forms.Form):
    year = forms.IntegerField(label=_("Year of the round"), min_value=2000, max_value=2100)
    quota = forms.IntegerField(label=_("Quota"), min_value=1, max_value=1_000_000)


class ResolveForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer to the applicant"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("Your objection"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text=_("Say what is wrong: your points, a fact, or your place."),
    )
