// Queued commands (outbox entries, conflicts) described in the user's words:
// `site.create` + {name: "北京朝阳店"} → 新建运营点「北京朝阳店」.

type Translate = (key: string, params?: Record<string, unknown>) => string

function field(args: unknown, key: string): string {
  if (typeof args !== 'object' || args === null) return ''
  const v = (args as Record<string, unknown>)[key]
  return typeof v === 'string' ? v : ''
}

export function describeCommand(t: Translate, name: string, args: unknown): string {
  switch (name) {
    case 'site.create':
      return t('command.siteCreate', { name: field(args, 'name') })
    case 'site.update':
      return t('command.siteUpdate', { name: field(args, 'name') })
    case 'site.delete': {
      const id = field(args, 'site_id')
      return t('command.siteDelete', { id: id.slice(-8) })
    }
    case 'message.mark_read':
      return t('command.messageRead')
    case 'profile.update':
      return t('command.profileUpdate', { name: field(args, 'display_name') })
    case 'authorization.grant':
      return t('command.authorizationGrant')
    case 'authorization.revoke':
      return t('command.authorizationRevoke', { reason: field(args, 'reason') })
    case 'request.approve':
      return t('command.requestApprove')
    case 'request.reject':
      return t('command.requestReject', { reason: field(args, 'reason') })
    case 'application.create':
      return t('command.applicationCreate', { name: field(args, 'name') })
    case 'application.update':
      return t('command.applicationUpdate', { name: field(args, 'name') })
    case 'application.set_active': {
      const active = typeof args === 'object' && args !== null && (args as Record<string, unknown>).active === true
      return t(active ? 'command.applicationActivate' : 'command.applicationDeactivate')
    }
    case 'announcement.publish':
      return t('command.announcementPublish', { title: field(args, 'title') })
    default:
      return t('command.other', { name })
  }
}
