import { afterEach, describe, expect, it } from 'vitest'
import { clearMocks } from '@tauri-apps/api/mocks'
import {
  validateEmail,
  validatePassword,
  validatePhone,
  validateRegisterForm,
  validateUsername,
  type RegisterForm,
} from '@/utils/validation'
import { DEFAULT_SETTINGS, callsOf, input, mockCommands, mountApp, settle, type Mounted } from './helpers'

const VALID: RegisterForm = {
  username: 'xingji_vr',
  password: 'Passw0rd2026',
  confirm: 'Passw0rd2026',
  display_name: '  星际乐园VR体验馆 ',
  contact_name: '',
  phone: '13800138000',
  email: 'ops@xingji-vr.cn',
}

describe('registration rules (mirror crates/domain/src/validate.rs)', () => {
  it('username: 3-32 letters, digits or _, starting with a letter', () => {
    expect(validateUsername('uat_admin')).toBeNull()
    expect(validateUsername('abc')).toBeNull()
    expect(validateUsername('a'.repeat(32))).toBeNull()
    expect(validateUsername('')).toBe('validation.usernameRequired')
    expect(validateUsername('ab')).toBe('validation.usernameFormat')
    expect(validateUsername('a'.repeat(33))).toBe('validation.usernameFormat')
    expect(validateUsername('1abc')).toBe('validation.usernameFormat')
    expect(validateUsername('_abc')).toBe('validation.usernameFormat')
    expect(validateUsername('has space')).toBe('validation.usernameFormat')
    expect(validateUsername('名字abc')).toBe('validation.usernameFormat')
  })

  it('password: 8-64 characters with letters and digits', () => {
    expect(validatePassword('Uat@123456')).toBeNull()
    expect(validatePassword('abcdefg1')).toBeNull()
    expect(validatePassword('')).toBe('validation.passwordRequired')
    expect(validatePassword('short1')).toBe('validation.passwordFormat')
    expect(validatePassword('onlyletters')).toBe('validation.passwordFormat')
    expect(validatePassword('12345678')).toBe('validation.passwordFormat')
    expect(validatePassword(`a1${'x'.repeat(63)}`)).toBe('validation.passwordFormat')
  })

  it('phone: mainland mobile or landline', () => {
    expect(validatePhone('13800138000')).toBeNull()
    expect(validatePhone('19912345678')).toBeNull()
    expect(validatePhone('010-12345678')).toBeNull()
    expect(validatePhone('0755-1234567')).toBeNull()
    expect(validatePhone('')).toBe('validation.phoneRequired')
    expect(validatePhone('12800138000')).toBe('validation.phoneFormat')
    expect(validatePhone('1380013800')).toBe('validation.phoneFormat')
    expect(validatePhone('138001380001')).toBe('validation.phoneFormat')
    expect(validatePhone('abc')).toBe('validation.phoneFormat')
    expect(validatePhone('110-12345678')).toBe('validation.phoneFormat')
  })

  it('email: one @, a dotted domain, no spaces', () => {
    expect(validateEmail('ops@example.cn')).toBeNull()
    expect(validateEmail('')).toBe('validation.emailRequired')
    expect(validateEmail('no-at-sign')).toBe('validation.emailFormat')
    expect(validateEmail('a@b')).toBe('validation.emailFormat')
    expect(validateEmail('a b@c.cn')).toBe('validation.emailFormat')
    expect(validateEmail('@c.cn')).toBe('validation.emailFormat')
    expect(validateEmail('a@.cn')).toBe('validation.emailFormat')
    expect(validateEmail('a@b@c.cn')).toBe('validation.emailFormat')
  })

  it('the whole form: valid gives no errors; each broken field is named', () => {
    expect(validateRegisterForm(VALID)).toEqual({})
    expect(
      validateRegisterForm({
        ...VALID,
        confirm: 'different1',
        display_name: '   ',
        contact_name: 'x'.repeat(65),
        phone: '123',
      }),
    ).toEqual({
      confirm: 'validation.confirmMismatch',
      display_name: 'validation.displayNameRequired',
      contact_name: 'validation.contactNameFormat',
      phone: 'validation.phoneFormat',
    })
  })
})

let mounted: Mounted | undefined

afterEach(() => {
  mounted?.wrapper.unmount()
  mounted = undefined
  clearMocks()
  document.body.innerHTML = ''
})

const FIELDS: [keyof RegisterForm, string][] = [
  ['username', 'reg-username'],
  ['password', 'reg-password'],
  ['confirm', 'reg-confirm'],
  ['display_name', 'reg-display-name'],
  ['contact_name', 'reg-contact-name'],
  ['phone', 'reg-phone'],
  ['email', 'reg-email'],
]

async function fill(m: Mounted, form: RegisterForm): Promise<void> {
  for (const [field, id] of FIELDS) await input(m.wrapper, id).setValue(form[field])
}

const API_KEY = 'k'.repeat(60) + 'a1b2'

describe('registration page', () => {
  function handlers() {
    return {
      settings_get: () => DEFAULT_SETTINGS,
      session_get: () => null,
      operator_register: (p: Record<string, unknown>) => {
        const args = p.args as { username: string; display_name: string }
        return {
          api_key: API_KEY,
          operator: {
            id: 'op-1',
            username: args.username,
            display_name: args.display_name,
            contact_name: null,
            phone: '13800138000',
            email: 'ops@xingji-vr.cn',
            tier: 'trial',
            status: 'active',
            balance: '0.00',
            is_locked: false,
            api_key_masked: '••••…a1b2',
            created_at: '2026-11-25T08:00:00Z',
          },
        }
      },
    }
  }

  it('the login page links to it', async () => {
    mockCommands(handlers())
    mounted = await mountApp('/ws/operator/login')
    await mounted.wrapper.find('#login-register').trigger('click')
    await settle(0)
    expect(mounted.router.currentRoute.value.name).toBe('operator-register')
    expect(mounted.wrapper.find('#reg-username').exists()).toBe(true)
  })

  it('an empty form shows the required messages and sends nothing', async () => {
    const calls = mockCommands(handlers())
    mounted = await mountApp('/ws/operator/register')
    await mounted.wrapper.find('form').trigger('submit')
    await settle()
    const errors = mounted.wrapper.findAll('.el-form-item__error').map((e) => e.text())
    expect(errors).toEqual([
      '请输入用户名',
      '请输入密码',
      '请再次输入密码',
      '请输入公司或场馆名称',
      '请输入联系电话',
      '请输入邮箱',
    ])
    expect(callsOf(calls, 'operator_register')).toHaveLength(0)
  })

  it('a bad phone and a mismatched confirmation are reported, nothing sent', async () => {
    const calls = mockCommands(handlers())
    mounted = await mountApp('/ws/operator/register')
    await fill(mounted, { ...VALID, phone: '12800138000', confirm: 'Passw0rd2027' })
    await mounted.wrapper.find('#reg-submit').trigger('click')
    await settle()
    const text = mounted.wrapper.text()
    expect(text).toContain('两次输入的密码不一致')
    expect(text).toContain('手机号或座机号格式不正确')
    expect(callsOf(calls, 'operator_register')).toHaveLength(0)
  })

  it('a valid form registers, shows the API key once, then returns to login', async () => {
    const calls = mockCommands(handlers())
    mounted = await mountApp('/ws/operator/register')
    await fill(mounted, VALID)
    await mounted.wrapper.find('form').trigger('submit')
    await settle()

    expect(callsOf(calls, 'operator_register').map((c) => c.payload)).toEqual([
      {
        args: {
          username: 'xingji_vr',
          password: 'Passw0rd2026',
          display_name: '星际乐园VR体验馆',
          phone: '13800138000',
          email: 'ops@xingji-vr.cn',
        },
      },
    ])
    const key = document.querySelector('#reg-api-key')
    expect(key?.textContent).toBe(API_KEY)
    expect(document.querySelector('#reg-apikey-dialog')?.textContent).toContain('只会显示这一次')
    expect(document.querySelector('#reg-copy')).not.toBeNull()

    ;(document.querySelector('#reg-done') as HTMLButtonElement).click()
    await settle()
    expect(mounted.router.currentRoute.value.name).toBe('operator-login')
    expect(mounted.router.currentRoute.value.query.username).toBe('xingji_vr')
    expect((input(mounted.wrapper, 'login-username').element as HTMLInputElement).value).toBe(
      'xingji_vr',
    )
    expect(document.body.textContent).not.toContain(API_KEY)
  })

  it('a server rejection (username taken) is shown', async () => {
    mockCommands({
      ...handlers(),
      operator_register: () => {
        throw { code: 'USERNAME_TAKEN', message: '用户名已被占用', details: {} }
      },
    })
    mounted = await mountApp('/ws/operator/register')
    await fill(mounted, VALID)
    await mounted.wrapper.find('form').trigger('submit')
    await settle()
    expect(mounted.wrapper.find('#reg-error').text()).toContain('用户名已被占用')
    expect(document.querySelector('#reg-api-key')).toBeNull()
  })
})
