import { useState, type FormEvent } from "react";
import { RoleSchema, type RoleGrant, type UserView } from "../../../../shared/schemas/account";
import type { District } from "../../../../shared/schemas/district";
import { mayCitywide } from "../lib/access";
import { useI18n } from "../lib/i18n";
import { describeRoles, roleKeys } from "../shell/ConsoleHeader";
import { districtLabel } from "../shell/districtsApi";
import { useSession } from "../shell/SessionContext";
import { useDistricts } from "../shell/useDistricts";
import { DataTable } from "../ui/DataTable";
import { Field } from "../ui/Field";
import { FormAlert } from "../ui/FormAlert";
import { PanelForm } from "../ui/PanelForm";
import { SelectField } from "../ui/SelectField";
import { StatusNotice } from "../ui/StatusNotice";
import { useFail, type Fail } from "../ui/useFail";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { useFormSubmit } from "../ui/useFormSubmit";
import { useLoader } from "../ui/useLoader";
import { useNotice, type Notice } from "../ui/useNotice";
import { createUser, fetchUsers, resetPassword, updateUser } from "./usersApi";

/**
 * Admins: list the users they manage, create one (its one-time password shown once), change
 * name and roles over district scopes, disable or enable, and reset a password.
 */
export function UsersPage() {
  const { user: me } = useSession();
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ name: string; password: string } | null>(null);
  const notices = useNotice();
  const { announce } = notices;

  const fail = useFail();
  // Loaded once per visit; every change reloads the list.
  const list = useLoader(fetchUsers, fail);
  const { data: users, error: loadError, reload: load } = list;
  const { districts } = useDistricts((err) => fail(err, list.setError));

  const label = (id: string) => districtLabel(districts, id, language);
  const edited = users?.find((u) => u.id === editing) ?? null;

  return (
    <main id="main" className="wide">
      <h1 ref={heading} tabIndex={-1}>
        {t("users.title")}
      </h1>
      {secret && (
        <OneTimePassword
          name={secret.name}
          password={secret.password}
          onDone={() => setSecret(null)}
        />
      )}
      <div className="toolbar">
        <button
          type="button"
          className="secondary"
          aria-expanded={creating}
          onClick={() => setCreating(!creating)}
        >
          {t("users.newOpen")}
        </button>
      </div>
      {creating && (
        <NewUserForm
          districts={districts}
          districtLabel={label}
          cityAdmin={mayCitywide(me, "user.manage")}
          fail={fail}
          onCreated={(u, password) => {
            setCreating(false);
            setSecret({ name: u.displayName, password });
            void load();
          }}
        />
      )}
      <StatusNotice notices={notices} />
      <h2>{t("users.list", { count: users?.length ?? 0 })}</h2>
      {loadError !== null && <p className="error">{loadError}</p>}
      {users === null ? (
        <p>{t("common.loading")}</p>
      ) : (
        <DataTable
          caption={t("users.list", { count: users.length })}
          columns={[
            t("users.name"),
            t("field.email"),
            t("users.roles"),
            t("users.status"),
            t("users.created"),
            t("common.actions"),
          ]}
        >
          {users.map((u) => (
            <tr key={u.id} aria-current={u.id === editing ? "true" : undefined}>
              <th scope="row">
                {u.displayName} {u.id === me.id && t("users.you")}
              </th>
              <td className="break">{u.email}</td>
              <td>{describeRoles(u.roles, t)}</td>
              <td>
                {u.disabled ? (
                  <span className="badge offline">{t("users.disabled")}</span>
                ) : (
                  <span className="badge online">{t("users.active")}</span>
                )}
                {u.mustChangePassword && !u.disabled && (
                  <small className="muted block">{t("users.mustChange")}</small>
                )}
              </td>
              <td>{new Date(u.createdAt).toLocaleDateString(language)}</td>
              <td>
                {u.id !== me.id && (
                  <button
                    type="button"
                    className="secondary small"
                    aria-label={t("users.editNamed", { name: u.displayName })}
                    onClick={() => setEditing(u.id)}
                  >
                    {t("users.edit")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {edited && (
        <EditUserPanel
          key={edited.id}
          user={edited}
          districts={districts}
          districtLabel={label}
          cityAdmin={mayCitywide(me, "user.manage")}
          fail={fail}
          onClose={() => setEditing(null)}
          onSaved={(n) => {
            announce(n);
            void load();
          }}
          onPassword={(password) => {
            setEditing(null);
            setSecret({ name: edited.displayName, password });
          }}
        />
      )}
    </main>
  );
}

/** Shows a new one-time password once, with focus on it, until the admin says it is passed on. */
function OneTimePassword({
  name,
  password,
  onDone,
}: {
  name: string;
  password: string;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <section className="panel secret" aria-labelledby="otp-heading">
      <h2 id="otp-heading" ref={heading} tabIndex={-1}>
        {t("users.otpTitle", { name })}
      </h2>
      <p>{t("users.otpIntro", { name })}</p>
      <p>
        <code className="otp">{password}</code>
      </p>
      <button type="button" onClick={onDone}>
        {t("users.otpDone")}
      </button>
    </section>
  );
}

/** Edits a list of role grants: a role and a scope per row. */
function RolesEditor({
  roles,
  onChange,
  districts,
  districtLabel,
  cityAdmin,
}: {
  roles: RoleGrant[];
  onChange: (roles: RoleGrant[]) => void;
  districts: readonly District[];
  districtLabel: (id: string) => string;
  /** Only an admin of the whole city grants roles over the whole city. */
  cityAdmin: boolean;
}) {
  const { t } = useI18n();
  const scopes: (readonly [string, string])[] = [
    ...(cityAdmin ? [["*", t("scope.city")] as const] : []),
    ...districts.map((d) => [d.id, districtLabel(d.id)] as const),
  ];
  const set = (i: number, g: RoleGrant): void => onChange(roles.map((r, j) => (j === i ? g : r)));
  return (
    <fieldset className="roles">
      <legend>{t("users.roles")}</legend>
      <p className="hint">{t("users.rolesHint")}</p>
      {roles.length === 0 && <p>{t("users.noRoles")}</p>}
      {roles.map((g, i) => (
        <div className="role-row" key={i}>
          <SelectField
            label={`${t("users.role")} ${i + 1}`}
            value={g.role}
            onChange={(role) => set(i, { ...g, role })}
            options={RoleSchema.options.map((r) => [r, t(roleKeys[r])] as const)}
          />
          <SelectField
            label={`${t("users.scope")} ${i + 1}`}
            value={g.scope}
            onChange={(scope) => set(i, { ...g, scope })}
            options={
              scopes.some(([v]) => v === g.scope)
                ? scopes
                : [[g.scope, g.scope === "*" ? t("scope.city") : g.scope] as const, ...scopes]
            }
          />
          <button
            type="button"
            className="secondary small"
            onClick={() => onChange(roles.filter((_, j) => j !== i))}
          >
            {t("users.removeRole", { n: i + 1 })}
          </button>
        </div>
      ))}
      <button
        type="button"
        className="secondary small"
        // Nothing to grant over: a district admin's districts not loaded (yet), or none held.
        disabled={scopes.length === 0}
        onClick={() => {
          // Least privilege first: an operator of one district, never the whole city, which
          // must be chosen on purpose.
          const scope = (scopes.find(([v]) => v !== "*") ?? scopes[0])?.[0];
          if (scope !== undefined) onChange([...roles, { role: "operator", scope }]);
        }}
      >
        {t("users.addRole")}
      </button>
    </fieldset>
  );
}

/** Creates a user; the server answers a one-time password, shown once. */
function NewUserForm({
  districts,
  districtLabel,
  cityAdmin,
  fail,
  onCreated,
}: {
  districts: readonly District[];
  districtLabel: (id: string) => string;
  cityAdmin: boolean;
  fail: Fail;
  onCreated: (user: UserView, oneTimePassword: string) => void;
}) {
  const { t } = useI18n();
  const [email, setEmail] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [roles, setRoles] = useState<RoleGrant[]>([]);
  const { error, busy, setError, send } = useFormSubmit<"email" | "name">(fail);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    if (email.trim() === "")
      return setError({
        text: (tr) => tr("error.required", { field: tr("field.email") }),
        field: "email",
      });
    if (displayName.trim() === "")
      return setError({
        text: (tr) => tr("error.required", { field: tr("field.displayName") }),
        field: "name",
      });
    await send(async () => {
      const created = await createUser({ email, displayName, roles });
      onCreated(created.user, created.oneTimePassword);
    });
  };

  return (
    <PanelForm
      headingId="new-user-heading"
      title={t("users.new")}
      error={error?.text(t) ?? null}
      onSubmit={(e) => void submit(e)}
    >
      <div className="row">
        <Field
          label={t("field.email")}
          type="email"
          autoComplete="off"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          invalid={error?.field === "email"}
        />
        <Field
          label={t("field.displayName")}
          hint={t("hint.displayName")}
          value={displayName}
          maxLength={80}
          onChange={(e) => setDisplayName(e.target.value)}
          invalid={error?.field === "name"}
        />
      </div>
      <RolesEditor
        roles={roles}
        onChange={setRoles}
        districts={districts}
        districtLabel={districtLabel}
        cityAdmin={cityAdmin}
      />
      <button type="submit" disabled={busy}>
        {busy ? t("users.creating") : t("users.create")}
      </button>
    </PanelForm>
  );
}

/** Name and roles of one user, enable/disable, and a password reset. */
function EditUserPanel({
  user,
  districts,
  districtLabel,
  cityAdmin,
  fail,
  onClose,
  onSaved,
  onPassword,
}: {
  user: UserView;
  districts: readonly District[];
  districtLabel: (id: string) => string;
  cityAdmin: boolean;
  fail: Fail;
  onClose: () => void;
  onSaved: (notice: Notice) => void;
  onPassword: (oneTimePassword: string) => void;
}) {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [displayName, setDisplayName] = useState(user.displayName);
  const [roles, setRoles] = useState<RoleGrant[]>(user.roles);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<void>): Promise<void> => {
    setError(null);
    setBusy(true);
    try {
      await work();
    } catch (err) {
      fail(err, setError);
    } finally {
      setBusy(false);
    }
  };
  const save = (e: FormEvent): void => {
    e.preventDefault();
    void run(async () => {
      const u = await updateUser(user.id, { displayName, roles });
      onSaved((tr) => tr("users.saved", { name: u.displayName }));
    });
  };

  return (
    <section className="panel" aria-labelledby="edit-user-heading">
      <div className="section-head">
        <h2 id="edit-user-heading" ref={heading} tabIndex={-1}>
          {t("users.editTitle", { name: user.displayName })}
        </h2>
        <button type="button" className="secondary small" onClick={onClose}>
          {t("users.close")}
        </button>
      </div>
      <FormAlert message={error} />
      <form
        onSubmit={save}
        noValidate
        aria-label={t("users.editTitle", { name: user.displayName })}
      >
        <Field
          label={t("field.displayName")}
          value={displayName}
          maxLength={80}
          onChange={(e) => setDisplayName(e.target.value)}
        />
        <RolesEditor
          roles={roles}
          onChange={setRoles}
          districts={districts}
          districtLabel={districtLabel}
          cityAdmin={cityAdmin}
        />
        <button type="submit" disabled={busy}>
          {busy ? t("common.saving") : t("users.save")}
        </button>
      </form>
      <div className="actions">
        <div>
          <button
            type="button"
            className={user.disabled ? "secondary" : "danger"}
            disabled={busy}
            onClick={() =>
              void run(async () => {
                const u = await updateUser(user.id, { disabled: !user.disabled });
                onSaved((tr) =>
                  tr(u.disabled ? "users.disabledNotice" : "users.enabledNotice", {
                    name: u.displayName,
                  }),
                );
              })
            }
          >
            {user.disabled ? t("users.enable") : t("users.disable")}
          </button>
          <p className="hint">{t("users.disableHint")}</p>
        </div>
        <div>
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => void run(async () => onPassword(await resetPassword(user.id)))}
          >
            {t("users.reset")}
          </button>
          <p className="hint">{t("users.resetHint")}</p>
        </div>
      </div>
    </section>
  );
}
