// Access rules: the list in evaluation order (config rules first, read-only), adding,
// editing, deleting and moving database rules, and the explain form, which points at the
// rule that decided.
import { api } from './api.js';
import { describe, h, message, replace, table } from './dom.js';

const WHO = ['any', 'device', 'user', 'admin', 'service'];
const ACTIONS = ['publish', 'subscribe', 'all'];

const select = (id, values, value) =>
  h('select', { id, name: id }, values.map((v) => h('option', { value: v, selected: v === value }, v)));

export function rulesPage(main, _params, ctx) {
  const list = h('div', { id: 'rules' });
  const note = h('div', { id: 'rules-note' });
  const editor = h('section', { id: 'rule-editor' });
  const explain = h('section', { id: 'explain' });
  main.append(h('h1', {}, 'Access rules'),
    h('p', { className: 'muted' },
      'Evaluated top to bottom: the first matching rule decides, then the built-in policy; anything else is denied.'),
    note, list, h('h2', {}, 'Add or edit a rule'), editor, h('h2', {}, 'Explain a decision'), explain);
  let rules = [];
  let editing = null; // the id of the rule in the editor, or null for a new one
  let highlighted = null;

  async function load() {
    try {
      const { body } = await api('GET', '/api/acl/rules');
      if (!ctx.live()) return;
      rules = body.rules;
      render();
    } catch (error) {
      replace(list, message(describe(error), 'error'));
    }
  }

  function render() {
    const database = rules.filter((r) => r.origin === 'database');
    const rows = rules.map((rule) => {
      const actions = h('td', {});
      if (rule.origin === 'database') {
        const index = database.indexOf(rule);
        const button = (label, handler, disabled = false) => {
          const b = h('button', { type: 'button', className: 'secondary', disabled }, label);
          b.addEventListener('click', handler);
          return b;
        };
        actions.append(
          button('Edit', () => edit(rule)),
          button('↑', () => move(rule, index - 1), index === 0),
          button('↓', () => move(rule, index + 1), index === database.length - 1),
          button('Delete', () => remove(rule)));
      } else {
        actions.append(h('span', { className: 'muted' }, 'read-only'));
      }
      return h('tr', { 'data-rule': rule.id || `config-${rule.position}`,
        className: highlighted !== null && highlighted === (rule.id || rule.position) ? 'highlight' : '' },
      h('td', {}, `#${rule.position + 1}`), h('td', {}, rule.origin),
      h('td', { className: rule.effect }, rule.effect), h('td', {}, rule.who), h('td', {}, rule.action),
      h('td', { className: 'mono' }, rule.topic), h('td', {}, rule.description || ''), actions);
    });
    replace(list, rules.length === 0 ? message('No rules: the built-in policy alone decides.')
      : table(['#', 'Origin', 'Effect', 'Who', 'Action', 'Topic', 'Description', ''], rows));
  }

  async function change(method, path, body, done) {
    try {
      const answer = await api(method, path, body);
      if (answer.body && Array.isArray(answer.body.rules)) {
        rules = answer.body.rules;
        render();
      } else {
        await load();
      }
      replace(note, message(done, 'success'));
      return true;
    } catch (error) {
      replace(note, message(describe(error), 'error'));
      return false;
    }
  }

  const move = (rule, index) =>
    change('POST', `/api/acl/rules/${encodeURIComponent(rule.id)}/move`, { index }, 'Rule moved.');
  const remove = (rule) =>
    change('DELETE', `/api/acl/rules/${encodeURIComponent(rule.id)}`, undefined, 'Rule deleted.');

  function edit(rule) {
    editing = rule ? rule.id : null;
    const effect = select('rule-effect', ['deny', 'allow'], rule ? rule.effect : 'deny');
    const who = select('rule-who', WHO, rule ? rule.who : 'any');
    const action = select('rule-action', ACTIONS, rule ? rule.action : 'publish');
    const topic = h('input', { id: 'rule-topic', required: true, value: rule ? rule.topic : '', size: 40 });
    const description = h('input', { id: 'rule-description', value: rule ? rule.description : '', size: 30 });
    const save = h('button', { id: 'rule-save', type: 'submit' }, editing ? 'Save rule' : 'Add rule');
    const cancel = h('button', { type: 'button', className: 'secondary', hidden: !editing }, 'Cancel');
    cancel.addEventListener('click', () => edit(null));
    const form = h('form', { id: 'rule-form' }, h('label', {}, 'Effect', effect), h('label', {}, 'Who', who),
      h('label', {}, 'Action', action), h('label', {}, 'Topic filter', topic),
      h('label', {}, 'Description', description), save, cancel);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = { effect: effect.value, who: who.value, action: action.value, topic: topic.value.trim(),
        description: description.value.trim() };
      const ok = editing
        ? await change('PUT', `/api/acl/rules/${encodeURIComponent(editing)}`, body, 'Rule saved.')
        : await change('POST', '/api/acl/rules', body, 'Rule added.');
      if (ok) edit(null);
    });
    replace(editor, form, h('p', { className: 'muted' },
      'Topic filters may use the levels ${clientid}, ${username}, ${device_id} and ${user_id}.'));
  }

  function buildExplain() {
    const kind = select('explain-kind', ['deviceId', 'userId', 'clientid'], 'deviceId');
    const subject = h('input', { id: 'explain-subject', required: true });
    const action = select('explain-action', ['publish', 'subscribe'], 'publish');
    const topic = h('input', { id: 'explain-topic', required: true, size: 40 });
    const answer = h('div', { id: 'explain-result' });
    const form = h('form', { id: 'explain-form' }, h('label', {}, 'Who', kind), h('label', {}, 'Id', subject),
      h('label', {}, 'Action', action), h('label', {}, 'Topic', topic),
      h('button', { id: 'explain-run', type: 'submit' }, 'Explain'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const { body } = await api('POST', '/api/acl/explain',
          { [kind.value]: subject.value.trim(), action: action.value, topic: topic.value.trim() });
        const rule = body.rule;
        let decided = `decided by ${body.decidedBy}`;
        if (rule) {
          decided = `decided by rule #${rule.number}${rule.id ? ` (${rule.origin} rule ${rule.id})` : ''}: ${rule.text}`;
          highlighted = rule.id || (rule.number - 1);
          render();
        }
        replace(answer,
          h('p', { id: 'explain-decision', className: body.allow ? 'allow' : 'deny' },
            `${body.allow ? 'ALLOW' : 'DENY'} — ${decided} (${body.reason})`),
          h('p', { className: 'muted' }, `Principal: ${body.principal.kind} ${body.principal.id}` +
            (body.principal.ownerId ? `, owned by ${body.principal.ownerId}` : '')));
      } catch (error) {
        replace(answer, message(describe(error), 'error'));
      }
    });
    replace(explain, form, answer);
  }

  edit(null);
  buildExplain();
  load();
}
