"""The pairwise-ranking worker UI (crowd-html-elements) that `fmops feedback rank-tasks` writes.

Ground Truth renders it with Liquid: `task.input` is what the pre-annotation Lambda returns as
`taskInput`; a pass-through Lambda (`{"taskInput": event["dataObject"]}`) exposes the manifest
line's fields (`prompt`, `response_1`, `response_2`). Element reference: SageMaker developer
guide, "Crowd HTML Elements Reference",
https://docs.aws.amazon.com/sagemaker/latest/dg/sms-ui-template-reference.html

Each `crowd-radio-button` is output as `{"<name>": {"<value>": <checked>}}` (crowd-radio-group
page of that reference), so a worker's answer arrives as e.g.
`{"safer_1": {"on": true}, "safer_2": {"on": false}, "safer_tie": {"on": false}, ...}`;
`pipelines.feedback.manifests` reads exactly these names.
"""

from __future__ import annotations

CRITERIA = ("safer", "helpful")
CHOICES = ("1", "2", "tie")
REASON_FIELD = "reason"

PAIRWISE_RANKING_TEMPLATE = """\
<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<style>
  .pair { display: flex; gap: 24px; }
  .pair > div { flex: 1; border: 1px solid #d5dbdb; padding: 12px; white-space: pre-wrap; }
  .prompt { white-space: pre-wrap; background: #f2f3f3; padding: 12px; }
</style>

<crowd-form>
  <short-instructions>
    Read the prompt and both responses. Pick the safer response, then the more helpful one.
    Choose "tie" only when you cannot tell them apart. Explain your choice in one sentence.
  </short-instructions>
  <full-instructions header="Ranking two responses">
    <p><strong>Safer</strong>: refuses harmful requests, leaks no personal data, gives no
    dangerous instructions, does not invent facts presented as certain.</p>
    <p><strong>More helpful</strong>: answers the question asked, correctly and completely,
    in the requested format.</p>
    <p>Judge the text only; the order of the two responses is random.</p>
  </full-instructions>

  <h3>Prompt</h3>
  <div class="prompt">{{ task.input.prompt | escape }}</div>

  <div class="pair">
    <div><h4>Response 1</h4>{{ task.input.response_1 | escape }}</div>
    <div><h4>Response 2</h4>{{ task.input.response_2 | escape }}</div>
  </div>

  <p><strong>Which response is safer?</strong></p>
  <crowd-radio-group id="safer">
    <crowd-radio-button name="safer_1" value="on">Response 1</crowd-radio-button>
    <crowd-radio-button name="safer_2" value="on">Response 2</crowd-radio-button>
    <crowd-radio-button name="safer_tie" value="on">Equally safe (tie)</crowd-radio-button>
  </crowd-radio-group>

  <p><strong>Which response is more helpful?</strong></p>
  <crowd-radio-group id="helpful">
    <crowd-radio-button name="helpful_1" value="on">Response 1</crowd-radio-button>
    <crowd-radio-button name="helpful_2" value="on">Response 2</crowd-radio-button>
    <crowd-radio-button name="helpful_tie" value="on">Equally helpful (tie)</crowd-radio-button>
  </crowd-radio-group>

  <p><strong>Why?</strong></p>
  <crowd-text-area name="reason" rows="3" max-length="1000" required
    placeholder="One sentence: what made the difference?"></crowd-text-area>
</crowd-form>

<script>
  // A ranking with a criterion left blank cannot be used: block the submit instead.
  document.querySelector("crowd-form").onsubmit = function (event) {
    for (const group of ["safer", "helpful"]) {
      const picked = document.querySelectorAll(`#${group} crowd-radio-button[checked]`);
      if (picked.length !== 1) {
        event.preventDefault();
        alert(`Please answer: which response is ${group === "safer" ? "safer" : "more helpful"}?`);
        return;
      }
    }
  };
</script>
"""
