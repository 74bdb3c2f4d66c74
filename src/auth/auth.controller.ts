import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { StrictRateLimit } from '../common/http/rate-limit.guard';
import { AuthService } from './auth.service';
import { AuthResponseDto, LoginDto, RefreshDto, RegisterDto } from './dto/auth.dto';
import { LocalAuthGuard } from './local-auth.guard';
import { Public } from '../common/http/public.decorator';

const LOCAL_ONLY =
  "Local accounts only: 404 when AUTH_LOCAL_ENABLED=false (users then come with the platform's tokens).";

@ApiTags('auth')
@Public()
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @UseGuards(LocalAuthGuard)
  @ApiOperation({ summary: 'Create an account and log in', description: LOCAL_ONLY })
  @StrictRateLimit()
  @ApiCreatedResponse({ type: AuthResponseDto })
  @ApiErrors(400, 404, 409, 429)
  register(@Body() body: RegisterDto): Promise<AuthResponseDto> {
    return this.auth.register(body);
  }

  @Post('login')
  @UseGuards(LocalAuthGuard)
  @ApiOperation({ summary: 'Log in with username and password', description: LOCAL_ONLY })
  @StrictRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: AuthResponseDto })
  @ApiErrors(400, 401, 403, 404, 429)
  login(@Body() body: LoginDto): Promise<AuthResponseDto> {
    return this.auth.login(body);
  }

  @Post('refresh')
  @UseGuards(LocalAuthGuard)
  @ApiOperation({ summary: 'Exchange a refresh token for new tokens', description: LOCAL_ONLY })
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: AuthResponseDto, description: 'The presented refresh token stops working' })
  @ApiErrors(400, 401, 403, 404)
  refresh(@Body() body: RefreshDto): Promise<AuthResponseDto> {
    return this.auth.refresh(body.refresh_token);
  }

  @Post('logout')
  @ApiOperation({ summary: 'Log out: end the login of a refresh token' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'The login the refresh token belongs to is ended' })
  @ApiErrors(400)
  logout(@Body() body: RefreshDto): Promise<void> {
    return this.auth.logout(body.refresh_token);
  }
}
